"""The events' notifications after a user walk (issue 26): an issue's notifications reach its own
department's head (routes ``KIND@DEPARTMENT``); the approved month says the KPI sheet's figures
and, after an amendment, that it is a correction and why; English counts read right for one and
many; a notification taken back reads in words in the audit log; ``init --install`` says it
installs the scheduler and the notify file. SQLite and PostgreSQL where the store is used."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import pytest
from sqlmodel import select

from huifang_tui import cli
from huifang_tui.channels.config import ChannelConfig
from huifang_tui.channels.message import Answer
from huifang_tui.core.errors import ValidationError
from huifang_tui.core.i18n import catalog, get_lang, render, set_lang, t
from huifang_tui.domain.kpi import Month
from huifang_tui.services import audit_log, issues, report, requests
from huifang_tui.services import notify as delivery
from huifang_tui.store.models import Notification, Setting

from conftest import NOW
from factories import add_callback, add_customer, add_user

pytestmark = pytest.mark.both_backends

CUSTOMER = "杭州恒达机械有限公司"
NUMBER = "HF202611001"
TECH, COMPLAINTS = "技术支持组", "投诉处理组"


@pytest.fixture
def lang():
    was = get_lang()
    yield
    set_lang(was)


def _rows(store) -> list[Notification]:
    with store.read() as s:
        return list(s.exec(select(Notification).order_by(Notification.id)))


def _desk(store) -> dict:
    people = {"agent": add_user(store, "agent1", "agent", "陈晓雯"),
              "sup": add_user(store, "sup1", "supervisor", "周主管")}
    cid = add_customer(store, CUSTOMER, phone="13812345678")
    add_callback(store, cid, NUMBER, deadline_on=NOW.date())
    return people


def _escalate_at(store, when: datetime) -> None:
    store.clock = lambda: when
    with store.write() as s:
        issues.write_due_escalations(s, store.now())


def _issue_of(row: Notification) -> str:
    return row.ref.split(":")[1]


# -- item 1: an issue's notifications go to its department's route ------------------------------

def test_an_escalation_reaches_its_own_departments_head_and_the_others_the_plain_route(store, admin):
    p = _desk(store)
    delivery.set_route(store, admin, "escalation.1", ["head-all"])
    have = delivery.set_route(store, admin, f"escalation.1@{TECH}", ["head-tech"])
    assert have[f"escalation.1@{TECH}"] == ["head-tech"] and have["escalation.1"] == ["head-all"]
    tech = issues.raise_issue(store, p["agent"], NUMBER, title="设备异响", category="product", department=TECH)
    other = issues.raise_issue(store, p["agent"], NUMBER, title="配件缺货", category="product",
                               department="售后服务部")
    _escalate_at(store, datetime(2026, 11, 24, 12))  # neither acknowledged in time: level 1
    told = {(_issue_of(r), r.kind): r.channel for r in _rows(store)}
    assert told == {(tech.number, "escalation.1"): "head-tech", (other.number, "escalation.1"): "head-all"}
    # listed under its kind, in KINDS order
    keys = list(delivery.routes(store, admin))
    assert keys.index(f"escalation.1@{TECH}") == keys.index("escalation.1") + 1


def test_a_complaint_and_a_level_2_escalation_carry_their_department_too(store, admin):
    p = _desk(store)
    delivery.set_route(store, admin, "complaint", ["gm"])
    delivery.set_route(store, admin, f"complaint@{COMPLAINTS}", ["gm", "complaints-head"])
    delivery.set_route(store, admin, f"escalation.2@{TECH}", ["gm-and-tech"])
    issues.raise_issue(store, p["agent"], NUMBER, title="客户很不满", is_complaint=True)  # 投诉处理组 by default
    tech = issues.raise_issue(store, p["agent"], NUMBER, title="设备异响", category="product", department=TECH)
    _escalate_at(store, datetime(2026, 11, 24, 12))
    _escalate_at(store, datetime(2026, 11, 27, 12))  # missed again: level 2
    rows = _rows(store)
    assert sorted(r.channel for r in rows if r.kind == "complaint") == ["complaints-head", "gm"]
    (two,) = [r for r in rows if r.kind == "escalation.2" and _issue_of(r) == tech.number]
    assert two.channel == "gm-and-tech"


def test_a_department_route_set_later_routes_only_that_departments_unrouted_rows(store, admin):
    p = _desk(store)
    tech = issues.raise_issue(store, p["agent"], NUMBER, title="设备异响", category="product", department=TECH)
    issues.raise_issue(store, p["agent"], NUMBER, title="配件缺货", category="product", department="售后服务部")
    _escalate_at(store, datetime(2026, 11, 24, 14))
    assert [r.state for r in _rows(store)] == ["unrouted", "unrouted"]
    delivery.set_route(store, admin, f"escalation.1@{TECH}", ["head-tech"])
    sent = []

    def send(cfg, msg):  # noqa: ANN001, ANN202
        sent.append((cfg.name, msg.title))
        return Answer(True, "errcode 0")

    channels = {"head-tech": ChannelConfig("head-tech", "dingtalk", url="https://oapi.dingtalk.com/robot/send?access_token=x")}
    delivery.run_due(store, admin, channels, send=send, now=datetime(2026, 11, 24, 14, 5))
    by_issue = {_issue_of(r): (r.channel, r.state) for r in _rows(store)}
    assert by_issue.pop(tech.number) == ("head-tech", "sent")
    assert list(by_issue.values()) == [("", "unrouted")]  # 售后服务部 has no route yet
    assert [name for name, _ in sent] == ["head-tech"]


def test_a_department_route_names_a_known_department_of_an_issues_kind(store, admin):
    with pytest.raises(ValidationError) as e:
        delivery.set_route(store, admin, "escalation.1@技术部", ["head-tech"])
    assert "技术部" in str(e.value) and TECH in str(e.value) and COMPLAINTS in str(e.value)
    with pytest.raises(ValidationError):
        delivery.set_route(store, admin, f"low_score@{TECH}", ["sup"])  # a callback's: no department
    with pytest.raises(ValidationError):
        delivery.set_route(store, admin, "escalation.3@技术支持组", ["x"])
    with store.read() as s:
        assert s.get(Setting, "notify.routes") is None


@pytest.fixture
def centre(store, admin, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, "supervisor", "supervisor", "周主管")
    with store.write() as s:
        s.add(Setting(key="demo", value="1"))
    path = tmp_path / "notify.toml"
    path.write_text('[channel.head-tech]\ntype = "dingtalk"\n'
                    'url = "https://oapi.dingtalk.com/robot/send?access_token=abc"\n', encoding="utf-8")
    path.chmod(0o600)
    monkeypatch.setenv("HUIFANG_NOTIFY_FILE", str(path))
    capsys.readouterr()
    return store


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as e:
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_cli_sets_lists_and_refuses_a_department_route(centre, capsys):
    key = f"escalation.1@{TECH}"
    code, out, err = _run(capsys, "--as", "admin1", "notify", "route", key, "head-tech")
    assert code == 0, err
    assert out == t("notifysend.route_set", kind=key, channels="head-tech") + "\n"
    code, out, _ = _run(capsys, "--as", "supervisor", "notify", "route")
    lines = out.splitlines()
    assert len(lines) == 12 and lines[2].startswith(f"{key}（一级升级，发给部门负责人）：head-tech")
    code, out, _ = _run(capsys, "--as", "supervisor", "notify", "route", "--json")
    assert {"kind": "escalation.1", "department": TECH, "audience": "head", "channels": ["head-tech"]} \
        in json.loads(out)
    code, out, _ = _run(capsys, "--as", "supervisor", "notify", "route", key)
    assert code == 0 and "head-tech" in out
    code, out, err = _run(capsys, "--as", "admin1", "notify", "route", "escalation.1@技术部", "head-tech")
    assert code == 1 and "技术部" in err and TECH in err and len(err.strip().splitlines()) == 1
    code, out, _ = _run(capsys, "--as", "admin1", "notify", "route", key, "--clear")
    assert code == 0 and out == t("notify.route.cleared_department", route=key, kind="escalation.1") + "\n"
    code, out, _ = _run(capsys, "--as", "supervisor", "notify", "route")
    assert key not in out


# -- item 2: the approved month says the KPI sheet's figures; a correction says so and why ---------

def _october(store) -> None:
    cid = add_customer(store, "绍兴恒泰化工有限公司", phone="13900001111")
    for i, day in enumerate((6, 13, 20), start=1):
        add_callback(store, cid, f"HF2026100{i:02d}", due_on=date(2026, 10, day))


def test_the_approved_month_says_the_kpi_sheets_figures_and_a_correction_its_reason(store, lang):
    p = _desk(store)
    _october(store)
    set_lang("zh_CN")
    assert report.approve(store, p["sup"], Month(2026, 10)) == 1
    overall = report.monthly_report(store, p["sup"], Month(2026, 10), version=1).overall
    (v1,) = _rows(store)
    params = json.loads(v1.params)
    text = render(v1.code, params)
    assert f"计划回访数 {overall['due']}，完成数 {overall['completed']}，回访完成率" in text
    assert overall["due"] == 3 and "更正" not in text + render("notify.title.month_approved", params)

    report.amend(store, p["sup"], Month(2026, 10), "客户 13812345678 的回访漏录")
    assert report.approve(store, p["sup"], Month(2026, 10)) == 2
    (v2,) = [r for r in _rows(store) if r.ref == "month:2026-10:v2"]
    params = json.loads(v2.params)
    text, title = render(v2.code, params), render("notify.title.month_approved", params)
    assert "更正" in text and "（更正）" in title and "第 2 版" in text
    assert "更正理由：客户 138****5678 的回访漏录" in text and "13812345678" not in v2.params
    set_lang("en")
    text = render(v2.code, params)
    assert "Planned callbacks: 3; completed: 0" in text and "correction" in text
    assert "Reason: 客户 138****5678 的回访漏录" in text


# -- item 3: English counts read right for one and many -------------------------------------------

COUNTS = {"count", "days", "hours", "attempts", "tries", "records", "planned", "completed", "n"}


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


@pytest.mark.parametrize("n", [1, 3])
def test_every_english_notify_text_with_a_count_reads_right_for_one_and_many(lang, n):
    set_lang("en")
    words = catalog("en")
    keys = [k for k in words if k.startswith(("notify.title.", "notify.msg."))]
    bad = []
    for key in keys:
        names = _placeholders(words[key])
        if not names & COUNTS:
            continue
        text = t(key, **{name: (n if name in COUNTS else "X") for name in names})
        if n == 1 and re.search(r"\b1 [a-z]+s\b", text):
            bad.append(text)
        if n > 1 and re.search(rf"\b{n} (callback|day|hour|attempt|time|try)\b", text):
            bad.append(text)
    assert keys and not bad, bad


def test_chinese_notify_texts_keep_their_counts(lang):
    set_lang("zh_CN")
    assert t("notify.title.stale", count=1) == "逾期未回访待关闭 1 条"


# -- item 4: a notification taken back reads in words --------------------------------------------

@pytest.mark.parametrize("language, want", [("zh_CN", "请示 #{id}"), ("en", "request #{id}")])
def test_a_notification_taken_back_names_its_event_in_words(store, lang, language, want):
    p = _desk(store)
    r = requests.ask(store, p["agent"], NUMBER, "reschedule", datetime(2026, 11, 24, 10), "客户出差")
    requests.refuse(store, p["sup"], r.id, "请本周内联系")  # before its notification went out: taken back
    set_lang(language)
    (row,) = [x for x in audit_log.audit_log(store, p["sup"]) if x.action == "notification.withdraw"]
    shown = {c.label: c.before for c in row.changes}  # taken back: the row before, nothing after
    assert shown[t("auditlog.field.ref")] == want.format(id=r.id)
    assert f"request:{r.id}" not in row.change_text


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_ref_the_outbox_writes_reads_in_words(lang, language):
    set_lang(language)
    names = {"agent1": "陈晓雯"}
    refs = ["issue:WT20261123001", "issue:WT20261123001:escalation:1:ack", "issue:WT20261123001:escalation:7",
            "cb:HF202611001", "cb:HF202611001:unreachable", "request:2", "dayclose:agent1:2026-11-23",
            "month:2026-11", "month:2026-10:v2", "stale:2026-11-01:2026-11-08", "notification:12"]
    shown = [audit_log.ref_words(ref, names) for ref in refs]
    for ref, text in zip(refs, shown, strict=True):
        assert text != ref and ":" not in text.replace("：", ""), (ref, text)
        assert not re.search(r"(?<![A-Za-z])(issue|cb|request|dayclose|month|stale|notification):", text)
    if language == "zh_CN":
        assert shown[1] == "问题 WT20261123001 的升级（未按时受理）" and shown[6] == "陈晓雯 2026-11-23 的日结"
        assert shown[8] == "2026-10 汇总表第 2 版"


# -- item 5: init --install says it installs the scheduler and the notify file --------------------

@pytest.mark.parametrize("language, words", [
    ("zh_CN", ("定时", "huifang-plan.timer", "cron", "/etc/huifang/notify.toml")),
    ("en", ("scheduler", "huifang-plan.timer", "cron", "/etc/huifang/notify.toml")),
])
def test_init_install_help_says_it_installs_the_scheduler_and_the_notify_file(capsys, lang, language, words):
    with pytest.raises(SystemExit) as e:
        cli.main(["--lang", language, "init", "--help"])
    assert e.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    at = out.index("--install")
    said = out[at:].replace("- ", "-")  # argparse may wrap at a hyphen
    for w in words:
        assert w in said, (w, said[:400])
