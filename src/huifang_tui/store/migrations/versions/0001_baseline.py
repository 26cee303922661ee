"""Baseline: the schema as the first releases created it (with its schema_version table).

Databases made before migrations existed carry no alembic_version row; `huifang db upgrade`
stamps them with this revision first and then runs the later ones.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('role', sa.String(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_app_user_login'), 'app_user', ['login'], unique=True)
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('login', sa.String(), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('entity', sa.String(), nullable=False),
    sa.Column('entity_id', sa.String(), nullable=False),
    sa.Column('before', sa.String(), nullable=False),
    sa.Column('after', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_audit_entry_at'), 'audit_entry', ['at'], unique=False)
    op.create_table('calendar_override',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_working_day', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_calendar_override_day'), 'calendar_override', ['day'], unique=True)
    op.create_table('counter',
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('tier', sa.String(), nullable=False),
    sa.Column('is_member', sa.Boolean(), nullable=False),
    sa.Column('agent_login', sa.String(), nullable=True),
    sa.Column('region', sa.String(), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('last_activity_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_customer_agent_login'), 'customer', ['agent_login'], unique=False)
    op.create_index(op.f('ix_customer_name'), 'customer', ['name'], unique=True)
    op.create_table('day_close',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('due', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('rescheduled', sa.Integer(), nullable=False),
    sa.Column('deferred', sa.Integer(), nullable=False),
    sa.Column('overdue', sa.Integer(), nullable=False),
    sa.Column('summary', sa.String(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('login', 'day', name='uq_day_close')
    )
    op.create_table('schema_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('setting',
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('value', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('role', sa.String(), nullable=False),
    sa.Column('phone', sa.String(), nullable=False),
    sa.Column('email', sa.String(), nullable=False),
    sa.Column('needs_correction', sa.Boolean(), nullable=False),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('customer_id', 'name', name='uq_contact_name')
    )
    op.create_index(op.f('ix_contact_customer_id'), 'contact', ['customer_id'], unique=False)
    op.create_table('non_member_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('customer_id', 'kind', 'occurred_on', name='uq_event')
    )
    op.create_index(op.f('ix_non_member_event_customer_id'), 'non_member_event', ['customer_id'], unique=False)
    op.create_table('sale',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_no', sa.String(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('product', sa.String(), nullable=False),
    sa.Column('sold_on', sa.Date(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_sale_contract_no'), 'sale', ['contract_no'], unique=True)
    op.create_index(op.f('ix_sale_customer_id'), 'sale', ['customer_id'], unique=False)
    op.create_table('work_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('contact_name', sa.String(), nullable=False),
    sa.Column('contact_phone', sa.String(), nullable=False),
    sa.Column('product', sa.String(), nullable=False),
    sa.Column('description', sa.String(), nullable=False),
    sa.Column('priority', sa.String(), nullable=False),
    sa.Column('group_name', sa.String(), nullable=False),
    sa.Column('owner', sa.String(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('planned_completion', sa.DateTime(), nullable=True),
    sa.Column('actual_completion', sa.DateTime(), nullable=True),
    sa.Column('feedback_at', sa.DateTime(), nullable=True),
    sa.Column('solution', sa.String(), nullable=False),
    sa.Column('customer_confirmed', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('service_type', sa.String(), nullable=True),
    sa.Column('contract_no', sa.String(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_work_order_customer_id'), 'work_order', ['customer_id'], unique=False)
    op.create_index(op.f('ix_work_order_number'), 'work_order', ['number'], unique=True)
    op.create_table('callback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('trigger_ref', sa.String(), nullable=False),
    sa.Column('channel', sa.String(), nullable=False),
    sa.Column('assignee', sa.String(), nullable=False),
    sa.Column('agent_login', sa.String(), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('deadline_on', sa.Date(), nullable=False),
    sa.Column('deadline_at', sa.DateTime(), nullable=True),
    sa.Column('estimated', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.String(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('contact_name', sa.String(), nullable=False),
    sa.Column('reached_name', sa.String(), nullable=False),
    sa.Column('reached_position', sa.String(), nullable=False),
    sa.Column('score_resolution', sa.Integer(), nullable=True),
    sa.Column('score_attitude', sa.Integer(), nullable=True),
    sa.Column('answers', sa.String(), nullable=False),
    sa.Column('suggestions', sa.String(), nullable=False),
    sa.Column('improvement', sa.String(), nullable=False),
    sa.Column('needs', sa.String(), nullable=False),
    sa.Column('sales_lead', sa.Boolean(), nullable=False),
    sa.Column('competitor', sa.String(), nullable=False),
    sa.Column('needs_onsite', sa.Boolean(), nullable=False),
    sa.Column('negative_feedback', sa.Boolean(), nullable=False),
    sa.Column('follow_status', sa.String(), nullable=False),
    sa.Column('note', sa.String(), nullable=False),
    sa.Column('deferred_reason', sa.String(), nullable=False),
    sa.Column('deferred_on', sa.Date(), nullable=True),
    sa.Column('claimed_by', sa.String(), nullable=True),
    sa.Column('claim_pid', sa.Integer(), nullable=True),
    sa.Column('claim_host', sa.String(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('customer_id', 'kind', 'trigger_ref', name='uq_callback_trigger')
    )
    op.create_index('ix_callback_agent_updated', 'callback', ['agent_login', 'updated_at'], unique=False)
    op.create_index('ix_callback_completed', 'callback', ['status', 'completed_at'], unique=False)
    op.create_index(op.f('ix_callback_customer_id'), 'callback', ['customer_id'], unique=False)
    op.create_index(op.f('ix_callback_number'), 'callback', ['number'], unique=True)
    op.create_index('ix_callback_queue', 'callback', ['agent_login', 'status', 'due_on'], unique=False)
    op.create_index('ix_callback_status_due', 'callback', ['status', 'due_on'], unique=False)
    op.create_table('call_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('callback_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('agent_login', sa.String(), nullable=False),
    sa.Column('outcome', sa.String(), nullable=False),
    sa.Column('reached_name', sa.String(), nullable=False),
    sa.Column('reached_position', sa.String(), nullable=False),
    sa.Column('note', sa.String(), nullable=False),
    sa.Column('rescheduled_to', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['callback_id'], ['callback.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_call_attempt_callback_id'), 'call_attempt', ['callback_id'], unique=False)
    op.create_table('call_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('callback_id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(), nullable=False),
    sa.Column('data', sa.String(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['callback_id'], ['callback.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('callback_id', 'login', name='uq_draft')
    )
    op.create_index(op.f('ix_call_draft_callback_id'), 'call_draft', ['callback_id'], unique=False)
    op.create_table('issue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('callback_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(), nullable=False),
    sa.Column('description', sa.String(), nullable=False),
    sa.Column('category', sa.String(), nullable=False),
    sa.Column('priority', sa.String(), nullable=False),
    sa.Column('is_complaint', sa.Boolean(), nullable=False),
    sa.Column('department', sa.String(), nullable=False),
    sa.Column('owner_login', sa.String(), nullable=True),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('raised_by', sa.String(), nullable=False),
    sa.Column('ack_by', sa.DateTime(), nullable=False),
    sa.Column('solve_by', sa.Date(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.Column('last_update_at', sa.DateTime(), nullable=True),
    sa.Column('solution', sa.String(), nullable=False),
    sa.Column('solved_at', sa.DateTime(), nullable=True),
    sa.Column('customer_told_on', sa.Date(), nullable=True),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['callback_id'], ['callback.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_issue_customer_id'), 'issue', ['customer_id'], unique=False)
    op.create_index(op.f('ix_issue_number'), 'issue', ['number'], unique=True)
    op.create_table('issue_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('login', sa.String(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issue.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_issue_event_issue_id'), 'issue_event', ['issue_id'], unique=False)


def downgrade() -> None:

    op.drop_index(op.f('ix_issue_event_issue_id'), table_name='issue_event')
    op.drop_table('issue_event')
    op.drop_index(op.f('ix_issue_number'), table_name='issue')
    op.drop_index(op.f('ix_issue_customer_id'), table_name='issue')
    op.drop_table('issue')
    op.drop_index(op.f('ix_call_draft_callback_id'), table_name='call_draft')
    op.drop_table('call_draft')
    op.drop_index(op.f('ix_call_attempt_callback_id'), table_name='call_attempt')
    op.drop_table('call_attempt')
    op.drop_index('ix_callback_status_due', table_name='callback')
    op.drop_index('ix_callback_queue', table_name='callback')
    op.drop_index(op.f('ix_callback_number'), table_name='callback')
    op.drop_index(op.f('ix_callback_customer_id'), table_name='callback')
    op.drop_index('ix_callback_completed', table_name='callback')
    op.drop_index('ix_callback_agent_updated', table_name='callback')
    op.drop_table('callback')
    op.drop_index(op.f('ix_work_order_number'), table_name='work_order')
    op.drop_index(op.f('ix_work_order_customer_id'), table_name='work_order')
    op.drop_table('work_order')
    op.drop_index(op.f('ix_sale_customer_id'), table_name='sale')
    op.drop_index(op.f('ix_sale_contract_no'), table_name='sale')
    op.drop_table('sale')
    op.drop_index(op.f('ix_non_member_event_customer_id'), table_name='non_member_event')
    op.drop_table('non_member_event')
    op.drop_index(op.f('ix_contact_customer_id'), table_name='contact')
    op.drop_table('contact')
    op.drop_table('setting')
    op.drop_table('schema_version')
    op.drop_table('day_close')
    op.drop_index(op.f('ix_customer_name'), table_name='customer')
    op.drop_index(op.f('ix_customer_agent_login'), table_name='customer')
    op.drop_table('customer')
    op.drop_table('counter')
    op.drop_index(op.f('ix_calendar_override_day'), table_name='calendar_override')
    op.drop_table('calendar_override')
    op.drop_index(op.f('ix_audit_entry_at'), table_name='audit_entry')
    op.drop_table('audit_entry')
    op.drop_index(op.f('ix_app_user_login'), table_name='app_user')
    op.drop_table('app_user')
