"""What the system writes for people is stored as a message code, not as text (issue 22 item 9).

Issue timelines, the system's own callback notes and the reasons of audited refusals were stored
in the language of whoever caused them: an English supervisor read `未按时受理，升级到部门负责人`,
a Chinese one "Verified on callback … did not hold". From now on the system stores the catalog
key and its parameters, and each reader sees them in their own language:

- ``issue_event`` gains ``code`` and ``params`` (JSON). The system's entries (escalations,
  verifications, the reopen of a failed verification, "customer told …") already stored are
  converted: their known Chinese and English phrasings are read back into code and parameters,
  and ``text`` is emptied. What people typed stays in ``text`` as typed.
- ``callback.note``: the system's line ``edited`` (a low-score follow-up cancelled by an edit of
  its record) becomes a coded line (``\\x1e`` + JSON); the rest of the note stays as typed.
- ``audit_entry`` rows ``refused`` / ``refused.more``: a ``reason`` in a known phrasing becomes
  ``{"code": …, "params": …}``.

Anything that matches no known phrasing is kept exactly as stored and shown as stored. The
phrasings are frozen here (the texts this release and the ones before it wrote), so the upgrade
does not change when the catalog does. The downgrade writes the codes back as Chinese text (the
default language) and drops the two columns.

Revision ID: 0013_message_codes
Revises: 0012_attempt_reason
Create Date: 2026-12-07
"""

from __future__ import annotations

import json
import re

import sqlalchemy as sa
from alembic import op

revision = "0013_message_codes"
down_revision = "0012_attempt_reason"
branch_labels = None
depends_on = None

NOTE_CODE = "\x1e"  # a coded line of callback.note starts with this (services.messages)

# code → (zh_CN, en) as written by the releases up to this one
TEMPLATES: dict[str, tuple[str, ...]] = {
    "ledger.escalated.complaint": ("客户投诉，直接升级到{level}（000 §4.11）",
                                   "Customer complaint: escalated to the {level} at once (000 §4.11)"),
    "ledger.escalated.ack": ("未按时受理，升级到{level}", "Not acknowledged in time: escalated to the {level}"),
    "ledger.escalated.solve": ("未按时解决，升级到{level}", "Not solved in time: escalated to the {level}"),
    "ledger.verified_held": ("回访 {number} 核实：改进有效", "Verified on callback {number}: the improvement held"),
    "ledger.verified_not_held": ("回访 {number} 核实：改进未见效",
                                 "Verified on callback {number}: the improvement did not hold"),
    "ledger.reopen_not_held": ("回访 {number} 核实改进未见效，问题重新打开",
                               "Callback {number} found the improvement did not hold; issue reopened"),
    "ledger.told_text": ("已于 {on} 告知客户，满意度 {satisfaction} 分",
                         "Customer told on {on}, satisfaction {satisfaction}"),
    # refusals kept in the audit log
    "err.permission": ("当前角色（{role}）无权执行此操作。", "Your role ({role}) may not do this."),
    "err.unknown_login": (
        "登录名 “{login}” 不是本数据库的用户。请管理员执行：huifang user add {login} --role agent|supervisor|admin --name 张三",
        'Login "{login}" is not a user of this database. Ask an admin to run: huifang user add {login} '
        "--role agent|supervisor|admin --name NAME"),
    "rules.user_inactive": ("用户 {login} 已被停用，不能再操作。如有疑问请联系管理员。",
                            "User {login} has been disabled and can no longer act. Ask an admin if this is a mistake."),
    "rules.role_changed": ("用户 {login} 的角色已改为“{role}”，请重新打开回访台。",
                           "User {login}'s role is now \"{role}\"; reopen the desk."),
    "call.not_yours": ("回访 {number} 属于 {agent}，不在你的队列里。", "Callback {number} belongs to {agent}, not your queue."),
    "work.other_agent": ("回访员只能查看自己的和公共池的回访。", "Agents see only their own callbacks and the pool."),
    "err.queue_other": ("回访员只能查看自己的队列。", "Agents may view only their own queue."),
    "db.need_admin": ("只有管理员可以执行此数据库操作（当前角色：{role}）。",
                      "Only an admin may do this to the database (your role: {role})."),
    "db.need_supervisor": ("只有主管或管理员可以检查数据库（当前角色：{role}）。",
                           "Only a supervisor or an admin may check the database (your role: {role})."),
    "form.not_author": ("{number} 不是你登记的记录；只有登记人（在规定时间内）或主管可以修改",
                        "{number} was not entered by you; only its author (in time) or a supervisor may edit it"),
    "form.edit_expired": ("{number} 登记已超过 {minutes} 分钟，请找主管修改",
                          "{number} was entered more than {minutes} minutes ago; ask a supervisor to edit it"),
    "form.not_yours_agent": ("只有主管可以替 {agent} 补录", "Only a supervisor may enter a record for {agent}"),
    "report.err.full_phones": ("只有管理员可以导出完整电话号码（--full-phones）",
                               "Only an admin may export full phone numbers (--full-phones)"),
    "err.as_not_demo": ("--as 只能用于演示数据库。", "--as is allowed only on a demo database."),
}
# the ledger's refusal before issue 22 named the same four parts for every action
OLD_NOT_ALLOWED = ("你不能对 {number} 执行“{action}”：只有提出人、责任人、部门负责人或主管可以。",
                   "You may not {action} {number}: only the agent who raised it, its owner, the department "
                   "head or a supervisor may.")
OLD_WHO = ("ledger.part.raiser", "ledger.part.owner", "ledger.part.head", "ledger.part.supervisor")

# parameters that were catalog texts themselves: the key family and its (zh_CN, en) words
_LEVELS = {"ledger.level.owner": ("责任人", "owner"), "ledger.level.supervisor": ("部门负责人", "department head"),
           "ledger.level.general_manager": ("总经理", "general manager")}
_ROLES = {"role.agent": ("回访员", "agent"), "role.supervisor": ("主管", "supervisor"), "role.admin": ("管理员", "admin")}
_ASSIGNEES = {"assignee.agent": ("回访员", "an agent"), "assignee.supervisor": ("主管", "the supervisors"),
              "assignee.followup": ("低分跟进专人", "the follow-up person"),
              "assignee.sales_manager": ("销售经理", "the sales manager")}
_ACTIONS = {
    "ledger.action.assign": ("分派", "assign"), "ledger.action.ack": ("受理", "acknowledge"),
    "ledger.action.note": ("记录进展", "add a note"), "ledger.action.wait": ("挂起（等待客户）", "wait on the customer"),
    "ledger.action.resume": ("恢复", "resume"), "ledger.action.solve": ("填写解决方案", "record the solution"),
    "ledger.action.tell": ("记录告知客户", "record telling the customer"), "ledger.action.close": ("关闭", "close"),
    "ledger.action.reopen": ("重新打开", "reopen"),
}
NESTED: dict[tuple[str, str], dict[str, tuple[str, str]]] = {
    **{(c, "level"): _LEVELS for c in ("ledger.escalated.complaint", "ledger.escalated.ack", "ledger.escalated.solve")},
    ("rules.role_changed", "role"): _ROLES,
    ("db.need_admin", "role"): _ROLES,
    ("db.need_supervisor", "role"): _ROLES,
    ("call.not_yours", "agent"): _ASSIGNEES,
    ("ledger.err.not_allowed", "action"): _ACTIONS,
}
# parameters that are always one of the words above (a login in call.not_yours's agent is not)
WORDS_ONLY = {k for k in NESTED if k != ("call.not_yours", "agent")}
EDITED = "edited"  # the system's callback note when an edit cancelled a follow-up
EDITED_CODE = "form.note.edited"
ISSUE_CODES = ("ledger.escalated.complaint", "ledger.escalated.ack", "ledger.escalated.solve",
               "ledger.verified_held", "ledger.verified_not_held", "ledger.reopen_not_held", "ledger.told_text")
ISSUE_KINDS = ("escalated", "verified", "reopened", "told")

_FIELD = re.compile(r"\{(\w+)\}")


def _pattern(template: str) -> re.Pattern:
    out, pos, seen = [], 0, set()
    for m in _FIELD.finditer(template):
        out.append(re.escape(template[pos:m.start()]))
        name = m.group(1)
        out.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("^" + "".join(out) + "$", re.S)


def _entries(codes: tuple[str, ...] | None = None) -> list[tuple[str, re.Pattern]]:
    out = [(code, _pattern(tpl)) for code, tpls in TEMPLATES.items() if codes is None or code in codes
           for tpl in tpls]
    if codes is None:
        out += [("ledger.err.not_allowed", _pattern(tpl)) for tpl in OLD_NOT_ALLOWED]
    return out


def _param(code: str, name: str, value: str) -> object:
    words = NESTED.get((code, name))
    if words:
        for key, texts in words.items():
            if value in texts:
                return {"t": key, "p": {}}
    if name == "satisfaction" and value.isdigit():
        return int(value)
    return value


def to_code(text: str, entries: list[tuple[str, re.Pattern]]) -> dict | None:
    """The ``{"code", "params"}`` of a known phrasing, else None (kept as stored)."""
    for code, pat in entries:
        m = pat.match(text)
        if m is None:
            continue
        params = {k: _param(code, k, v) for k, v in m.groupdict().items()}
        if code == "ledger.err.not_allowed":
            params["who"] = {"t": "@or", "p": {"items": [{"t": k, "p": {}} for k in OLD_WHO]}}
        if any(isinstance(v, str) and (code, k) in WORDS_ONLY for k, v in params.items()):
            continue  # a translated word we do not know: keep the text as it is
        return {"code": code, "params": params}
    return None


def _words(key: str) -> tuple[str, str] | None:
    for table in (_LEVELS, _ROLES, _ASSIGNEES, _ACTIONS):
        if key in table:
            return table[key]
    return None


_PARTS_ZH = {"ledger.part.raiser": "提出人", "ledger.part.owner": "责任人", "ledger.part.head": "部门负责人",
             "ledger.part.supervisor": "主管"}


def to_text(code: str, params: dict) -> str:
    """Back to Chinese text (the downgrade)."""
    def word(v: object) -> str:
        if isinstance(v, dict) and "t" in v:
            if v["t"] == "@or":
                items = [word(x) for x in v.get("p", {}).get("items", [])]
                return "、".join(items[:-1]) + "或" + items[-1] if len(items) > 1 else "".join(items)
            w = _words(v["t"])
            return w[0] if w else _PARTS_ZH.get(v["t"], v["t"])
        return str(v)

    vals = {k: word(v) for k, v in params.items()}
    if code == "ledger.err.not_allowed":
        return OLD_NOT_ALLOWED[0].format(**vals)
    if code == EDITED_CODE:
        return EDITED
    tpl = TEMPLATES.get(code)
    try:
        return tpl[0].format(**vals) if tpl else code
    except (KeyError, IndexError):
        return tpl[0]


def _note_lines(note: str, f) -> str:  # noqa: ANN001
    return "\n".join(f(line) for line in note.split("\n"))


def upgrade() -> None:
    op.add_column("issue_event", sa.Column("code", sa.String(), nullable=False, server_default=""))
    op.add_column("issue_event", sa.Column("params", sa.String(), nullable=False, server_default=""))
    conn = op.get_bind()
    issue_entries = _entries(ISSUE_CODES)
    rows = conn.execute(sa.text("SELECT id, kind, text FROM issue_event WHERE text <> '' AND kind IN "
                                "('escalated', 'verified', 'reopened', 'told')")).all()
    for eid, _kind, text in rows:
        found = to_code(text, issue_entries)
        if found is not None:
            conn.execute(sa.text("UPDATE issue_event SET code = :c, params = :p, text = '' WHERE id = :i"),
                         {"c": found["code"], "p": json.dumps(found["params"], ensure_ascii=False), "i": eid})

    coded = NOTE_CODE + json.dumps({"code": EDITED_CODE, "params": {}}, ensure_ascii=False)
    for cid, note in conn.execute(sa.text("SELECT id, note FROM callback WHERE note LIKE :p"),
                                  {"p": f"%{EDITED}%"}).all():
        new = _note_lines(note, lambda line: coded if line == EDITED else line)
        if new != note:
            conn.execute(sa.text("UPDATE callback SET note = :n WHERE id = :i"), {"n": new, "i": cid})

    all_entries = _entries()
    for aid, after in conn.execute(sa.text("SELECT id, after FROM audit_entry WHERE action IN "
                                           "('refused', 'refused.more') AND after <> ''")).all():
        try:
            data = json.loads(after)
        except ValueError:
            continue
        reason = data.get("reason") if isinstance(data, dict) else None
        found = to_code(reason, all_entries) if isinstance(reason, str) else None
        if found is not None:
            data["reason"] = found
            conn.execute(sa.text("UPDATE audit_entry SET after = :a WHERE id = :i"),
                         {"a": json.dumps(data, ensure_ascii=False), "i": aid})


def downgrade() -> None:
    conn = op.get_bind()
    for eid, code, params in conn.execute(sa.text("SELECT id, code, params FROM issue_event WHERE code <> ''")).all():
        try:
            p = json.loads(params) if params else {}
        except ValueError:
            p = {}
        conn.execute(sa.text("UPDATE issue_event SET text = :t WHERE id = :i"), {"t": to_text(code, p), "i": eid})

    def back(line: str) -> str:
        if not line.startswith(NOTE_CODE):
            return line
        try:
            c = json.loads(line[len(NOTE_CODE):])
            return to_text(c.get("code", ""), c.get("params") or {})
        except (ValueError, AttributeError):
            return line

    for cid, note in conn.execute(sa.text("SELECT id, note FROM callback WHERE note LIKE :p"),
                                  {"p": f"%{NOTE_CODE}%"}).all():
        conn.execute(sa.text("UPDATE callback SET note = :n WHERE id = :i"), {"n": _note_lines(note, back), "i": cid})
    for aid, after in conn.execute(sa.text("SELECT id, after FROM audit_entry WHERE action IN "
                                           "('refused', 'refused.more') AND after <> ''")).all():
        try:
            data = json.loads(after)
        except ValueError:
            continue
        reason = data.get("reason") if isinstance(data, dict) else None
        if isinstance(reason, dict) and "code" in reason:
            data["reason"] = to_text(reason["code"], reason.get("params") or {})
            conn.execute(sa.text("UPDATE audit_entry SET after = :a WHERE id = :i"),
                         {"a": json.dumps(data, ensure_ascii=False), "i": aid})
    with op.batch_alter_table("issue_event") as b:
        b.drop_column("params")
        b.drop_column("code")
