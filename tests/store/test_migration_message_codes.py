"""Migration 0013 (issue 22 item 9): the system's entries already stored in Chinese or English —
issue timeline entries, the callback note "edited", refusal reasons in the audit log — become
message codes that each reader sees in their own language; what people typed and what the
upgrade cannot read stay exactly as stored. On SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import text

from huifang_tui.core.i18n import set_lang
from huifang_tui.services.base import Actor, Store
from huifang_tui.services.audit_log import audit_log
from huifang_tui.services.issues import event_text, show_issue
from huifang_tui.services.recording import callback_notes
from huifang_tui.store import db, migrate, revision
from huifang_tui.store.models import Callback

from conftest import NOW

EVENTS = [  # (kind, text as an older release stored it)
    ("raised", "设备异响"),
    ("escalated", "未按时受理，升级到部门负责人"),
    ("escalated", "Not solved in time: escalated to the general manager"),
    ("told", "已于 2026-11-23 告知客户，满意度 4 分"),
    ("verified", "Verified on callback HF202611002: the improvement did not hold"),
    ("reopened", "回访 HF202611002 核实改进未见效，问题重新打开"),
    ("reopened", "客户说还是响"),  # typed by a person: stays
    ("escalated", "升级了（手工写的）"),  # matches no known phrasing: shown as stored
]
REASONS = [
    "You may not acknowledge WT202611001: only the agent who raised it, its owner, the department head "
    "or a supervisor may.",
    "当前角色（agent）无权执行此操作。",
    "某个旧版本的未知说法",
]


def _old_database(url: str):
    engine = db.make_engine(url, **({"foreign_keys": False} if url.startswith("sqlite") else {}))
    with engine.begin() as conn:
        migrate.upgrade(conn, "0012_attempt_reason")
        conn.execute(text("INSERT INTO app_user (login, name, role, active, created_at) VALUES "
                          "('sup1', '周主管', 'supervisor', :t, :now)"), {"t": True, "now": NOW})
        conn.execute(text("INSERT INTO customer (id, name, tier, is_member, region, created_at, updated_at) "
                          "VALUES (1, '华东机械', 'standard', :t, '', :now, :now)"), {"t": True, "now": NOW})
        conn.execute(text(
            "INSERT INTO callback (id, number, customer_id, kind, trigger_ref, channel, assignee, priority, due_on, "
            "deadline_on, estimated, status, attempts, contact_name, reached_name, reached_position, answers, "
            "suggestions, improvement, needs, sales_lead, competitor, needs_onsite, negative_feedback, "
            "follow_status, note, deferred_reason, version, created_at, updated_at, planned_due_on) VALUES (1, "
            "'HF202611009', 1, 'low_score', 'cb:HF202611001', 'phone', 'followup', 50, '2026-11-23', '2026-11-24', "
            ":f, 'cancelled', 0, '', '', '', '', '', '', '', :f, '', :f, :f, '', :note, 'edited', 1, :now, :now, "
            "'2026-11-23')"), {"f": False, "now": NOW, "note": "客户要求上午联系\nedited"})
        conn.execute(text(
            "INSERT INTO issue (id, number, customer_id, title, description, category, priority, is_complaint, "
            "department, status, level, raised_at, raised_by, ack_by, solve_by, solution) VALUES (1, "
            "'WT202611001', 1, '设备异响', '', 'product', 'normal', :f, '技术支持组', 'acknowledged', 2, :now, "
            "'agent1', :now, '2026-11-26', '')"), {"f": False, "now": NOW})
        for n, (kind, txt) in enumerate(EVENTS):
            conn.execute(text("INSERT INTO issue_event (issue_id, at, login, kind, text) VALUES (1, :at, 'x', :k, :t)"),
                         {"at": NOW.replace(minute=n), "k": kind, "t": txt})
        for n, reason in enumerate(REASONS):
            conn.execute(text("INSERT INTO audit_entry (at, login, action, entity, entity_id, before, after) VALUES "
                              "(:at, 'agent2', 'refused', 'issue', 'WT202611001', '', :a)"),
                         {"at": NOW.replace(minute=n), "a": json.dumps({"role": "agent", "reason": reason},
                                                                       ensure_ascii=False)})
    return engine


def test_the_upgrade_turns_known_phrasings_into_codes_and_keeps_the_rest(db_url):
    engine = _old_database(db_url)
    with engine.begin() as conn:
        migrate.upgrade(conn)
    with engine.connect() as conn:
        assert db.stored_revision(conn) == revision.HEAD
        rows = conn.execute(text("SELECT kind, text, code, params FROM issue_event ORDER BY at")).all()
    assert [(r[2], json.loads(r[3]) if r[3] else None) for r in rows[1:6]] == [
        ("ledger.escalated.ack", {"level": {"t": "ledger.level.supervisor", "p": {}}}),
        ("ledger.escalated.solve", {"level": {"t": "ledger.level.general_manager", "p": {}}}),
        ("ledger.told_text", {"on": "2026-11-23", "satisfaction": 4}),
        ("ledger.verified_not_held", {"number": "HF202611002"}),
        ("ledger.reopen_not_held", {"number": "HF202611002"}),
    ]
    assert all(r[1] == "" for r in rows[1:6])
    for (_kind, typed), r in zip([EVENTS[0], *EVENTS[6:]], [rows[0], *rows[6:]]):
        assert (r[1], r[2]) == (typed, "")  # typed, or unknown: as stored

    st = Store(db_url, clock=lambda: NOW, engine=engine)
    sup = Actor("sup1", "supervisor", "周主管")

    def read(lang):
        set_lang(lang)
        try:
            v = show_issue(st, "WT202611001", now=NOW)
            with st.read() as s:
                cb = s.get(Callback, 1)
                note = callback_notes(s, [cb])[1]
            reasons = [json.loads(r.after)["reason"] for r in audit_log(st, sup) if r.action == "refused"]
            return [event_text(e) for e in v.events], note, reasons
        finally:
            set_lang("zh_CN")

    zh, zh_note, zh_reasons = read("zh_CN")
    en, en_note, en_reasons = read("en")
    assert zh[1:6] == ["未按时受理，升级到部门负责人", "未按时解决，升级到总经理", "已于 2026-11-23 告知客户，满意度 4 分",
                       "回访 HF202611002 核实：改进未见效", "回访 HF202611002 核实改进未见效，问题重新打开"]
    assert en[1:6] == ["Not acknowledged in time: escalated to the department head",
                       "Not solved in time: escalated to the general manager",
                       "Customer told on 2026-11-23, satisfaction 4",
                       "Verified on callback HF202611002: the improvement did not hold",
                       "Callback HF202611002 found the improvement did not hold; issue reopened"]
    assert zh[0] == en[0] == "设备异响" and zh[6:] == en[6:] == ["客户说还是响", "升级了（手工写的）"]
    assert zh_note == "客户要求上午联系\n已取消：原记录修改后不再需要"
    assert en_note == "客户要求上午联系\nCancelled: an edit of its record no longer calls for it"
    # newest first: the unknown one as stored, the role refusal and the old ledger refusal in each language
    assert zh_reasons == ["某个旧版本的未知说法", "当前角色（agent）无权执行此操作。",
                          "你不能对 WT202611001 执行“受理”：只有提出人、责任人、部门负责人或主管可以。"]
    assert en_reasons == ["某个旧版本的未知说法", "Your role (agent) may not do this.",
                          "You may not acknowledge WT202611001: only the agent who raised it, its owner, "
                          "the department head or a supervisor may."]
    db.dispose(engine)


def test_the_downgrade_writes_the_codes_back_as_text(db_url):
    engine = _old_database(db_url)
    with engine.begin() as conn:
        migrate.upgrade(conn)
    from alembic import command

    with engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0012_attempt_reason")
    with engine.connect() as conn:
        texts = [r[0] for r in conn.execute(text("SELECT text FROM issue_event ORDER BY at"))]
        note = conn.execute(text("SELECT note FROM callback")).scalar_one()
    assert texts[1] == "未按时受理，升级到部门负责人" and texts[3] == "已于 2026-11-23 告知客户，满意度 4 分"
    assert texts[0] == "设备异响" and texts[6:] == ["客户说还是响", "升级了（手工写的）"]
    assert note == "客户要求上午联系\nedited"
    db.dispose(engine)
