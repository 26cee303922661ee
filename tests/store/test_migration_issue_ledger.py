"""Migration 0004_issue_ledger keeps every issue row: departments typed on issues become
departments, first-release event kinds are renamed, new columns are empty."""

from __future__ import annotations

from sqlalchemy import text

from huifang_tui.store import db, migrate


def test_upgrade_keeps_issues_and_renames_event_kinds(tmp_path):
    engine = db.make_engine("sqlite:///" + str(tmp_path / "old.db"), foreign_keys=False)
    with engine.begin() as conn:
        migrate.upgrade(conn, "0003_customer_initials")
        conn.execute(text("INSERT INTO customer (id, name, tier, is_member, region, created_at, updated_at) "
                          "VALUES (1, '华东机械', 'standard', 1, '', '2026-11-01', '2026-11-01')"))
        conn.execute(text(
            "INSERT INTO issue (id, number, customer_id, title, description, category, priority, is_complaint, "
            "department, status, level, raised_at, raised_by, ack_by, solve_by, solution) VALUES "
            "(1, 'WT202611001', 1, '投诉', '', 'service', 'normal', 1, '生产部', 'open', 2, "
            "'2026-11-02 09:00:00', 'agent1', '2026-11-03 09:00:00', '2026-11-05', '')"))
        for kind in ("raised", "escalate", "verify"):
            conn.execute(text("INSERT INTO issue_event (issue_id, at, login, kind, text) "
                              "VALUES (1, '2026-11-02 09:00:00', 'agent1', :k, '')"), {"k": kind})
    with engine.begin() as conn:
        migrate.upgrade(conn)
    with engine.connect() as conn:
        kinds = [r[0] for r in conn.execute(text("SELECT kind FROM issue_event ORDER BY id"))]
        assert kinds == ["raised", "escalated", "verified"]
        names = [r[0] for r in conn.execute(text("SELECT name FROM department ORDER BY id"))]
        assert names[:7] == ["售后服务部", "技术支持组", "退换货组", "投诉处理组", "销售部", "市场部", "质量部"]
        assert "生产部" in names
        row = conn.execute(text("SELECT department, level, waiting_since, verify_result FROM issue")).one()
        assert tuple(row) == ("生产部", 2, None, None)
        assert conn.execute(text("SELECT department FROM app_user")).fetchall() == []
