"""The notification channels against real servers on 127.0.0.1 (issue 26 item 2): the message
arrives as each service shows it, the signature verifies with the secret, the robots' rate-limit
codes and a 500 are told apart, a server that is down is a failed answer (never an exception),
and no secret is ever in an answer. The notify file is read only when its owner and mode keep
its secrets (item 5).
"""

from __future__ import annotations

import io
import os
import re
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest

from huifang_tui.channels import config as chconfig
from huifang_tui.channels import robots
from huifang_tui.channels.config import ChannelConfig, ChannelConfigError, describe, load_channels, notify_file
from huifang_tui.channels.message import Answer, Outgoing, scrub
from huifang_tui.channels.send import send
from huifang_tui.core import system
from huifang_tui.core.errors import Refused, ServiceError
from huifang_tui.core.i18n import in_lang, t

from .servers import RobotServer, SmtpServer, dingtalk_sign

SECRET = "SECsecret-of-the-robot-0123456789"
MSG = Outgoing(42, "回访台 #42 客户投诉：王*明", ("客户 王[明](http://evil) 投诉 *急* @all", "第二行 <b>x</b>"))


def robot_cfg(server: RobotServer, **kw) -> ChannelConfig:
    return ChannelConfig("robot", server.kind, url=server.url, secret=server.secret or "", **kw)


def workbook_bytes() -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "2026年11月回访汇总表"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- the robots ---------------------------------------------------------------------------------

def test_feishu_signature_matches_the_documented_vector():
    assert robots.feishu_sign(1599360473, "SECxyz") == "5uPTQ6AhsCWqk+iix6foSKSocxGEvxldJYlDIzWUs5Q="


def test_dingtalk_signs_the_url_encoded_once():
    cfg = ChannelConfig("d", "dingtalk", url="https://oapi.dingtalk.com/robot/send?access_token=abc", secret="SECx")
    url = robots.dingtalk_url(cfg, now=lambda: 1_700_000_000.5)
    q = parse_qs(urlsplit(url).query)
    assert q["access_token"] == ["abc"] and q["timestamp"] == ["1700000000500"]
    assert q["sign"] == [dingtalk_sign(1700000000500, "SECx")]  # decoded once: the plain base64


@pytest.mark.parametrize("kind", ["dingtalk", "feishu"])
def test_a_signed_robot_receives_the_message_and_the_signature_verifies(kind):
    with RobotServer(kind, secret=SECRET) as server:
        answer = send(robot_cfg(server), MSG)
        assert answer.ok and not answer.rate_limited, answer
        assert len(server.received) == 1
        # the same robot with a wrong secret refuses, as the real one does
        wrong = ChannelConfig("robot", kind, url=server.url, secret="SECwrong")
        refused = send(wrong, MSG)
        assert not refused.ok and not refused.rate_limited
        assert ("310000" if kind == "dingtalk" else "19021") in refused.text
        assert "SECwrong" not in refused.text
        assert len(server.received) == 1


def test_dingtalk_markdown_shows_user_text_literally():
    with RobotServer("dingtalk") as server:
        assert send(robot_cfg(server), MSG).ok
    body = server.received[0]
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "回访台 #42 客户投诉：王*明"
    text = body["markdown"]["text"]
    assert text.startswith("#### 回访台 ＃42 客户投诉：王＊明\n\n")
    assert "王［明］(http://evil)" in text and "＊急＊" in text and "＠all" in text  # no [ ]: no link
    assert "[" not in text and "*" not in text and "@" not in text


def test_wecom_markdown_is_title_first_and_literal():
    with RobotServer("wecom") as server:
        assert send(robot_cfg(server), MSG).ok
    content = server.received[0]["markdown"]["content"]
    first, *rest = content.split("\n")
    assert first == "**回访台 ＃42 客户投诉：王＊明**"
    assert rest == ["客户 王［明］(http://evil) 投诉 ＊急＊ ＠all", "第二行 ＜b＞x＜/b＞"]


def test_wecom_cuts_a_long_message_to_its_4096_bytes():
    long = Outgoing(7, "回访台 #7 陈旧回访", tuple(f"回访编号 CB-2026-{i:05d} 客户张三" for i in range(400)))
    with RobotServer("wecom") as server:  # the test robot refuses more than 4096 bytes (40058)
        answer = send(robot_cfg(server), long)
        assert answer.ok, answer
    content = server.received[0]["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096
    assert content.startswith("**回访台 ＃7 陈旧回访**\n") and content.endswith("…")


def test_cut_never_splits_a_character():
    text = "汉" * 2000
    cut = robots.cut_bytes(text, 4096)
    assert len(cut.encode("utf-8")) <= 4096 and cut.endswith("…") and set(cut[:-1]) == {"汉"}
    assert robots.cut_bytes("short", 4096) == "short"


def test_feishu_post_in_the_channels_language():
    with RobotServer("feishu") as server:
        assert send(robot_cfg(server, lang="en"), MSG).ok
        assert send(robot_cfg(server), MSG).ok
    en, zh = server.received
    assert en["msg_type"] == "post" and "timestamp" not in en  # no secret: not signed
    post = en["content"]["post"]["en_us"]
    assert post["title"] == MSG.title
    assert post["content"] == [[{"tag": "text", "text": line}] for line in MSG.lines]  # plain text runs, as typed
    assert "zh_cn" in zh["content"]["post"]


@pytest.mark.parametrize("kind", ["dingtalk", "wecom", "feishu"])
def test_rate_limit_500_and_a_page_are_told_apart(kind):
    with RobotServer(kind) as server:
        server.script[:] = ["rate", "500", "html", "ok"]
        cfg = robot_cfg(server)
        rate, error, page, ok = (send(cfg, MSG) for _ in range(4))
    assert not rate.ok and rate.rate_limited
    assert {"dingtalk": "130101", "wecom": "45009", "feishu": "11232"}[kind] in rate.text
    assert not error.ok and not error.rate_limited and error.text.startswith("HTTP 500")
    assert not page.ok and not page.rate_limited and page.text.startswith("HTTP 200")
    assert ok.ok and ok.text.startswith("HTTP 200")
    assert len(server.received) == 1  # only the last one was accepted


def test_429_is_a_rate_limit_and_feishu_9499_too():
    assert robots.judge("wecom", 429, b"", "errcode").rate_limited
    assert robots.judge("feishu", 200, b'{"code": 9499, "msg": "too many request"}', "code").rate_limited
    assert not robots.judge("dingtalk", 200, b'{"errcode": 300001, "errmsg": "token is not exist"}', "errcode").ok
    assert not robots.judge("dingtalk", 200, b'[0]', "errcode").ok


@pytest.mark.parametrize("kind", ["dingtalk", "wecom", "feishu"])
def test_a_robot_down_is_a_failed_answer_not_an_exception(kind):
    server = RobotServer(kind, secret=SECRET if kind != "wecom" else None).start()
    cfg = robot_cfg(server)
    server.stop()
    down = send(cfg, MSG)
    assert isinstance(down, Answer) and not down.ok and not down.rate_limited
    assert "127.0.0.1" in down.text
    server.start()  # up again on the same port: the same configuration delivers
    try:
        assert send(cfg, MSG).ok
        assert len(server.received) == 1
    finally:
        server.stop()


def test_a_robot_that_does_not_answer_in_time_is_a_failed_answer():
    with RobotServer("wecom") as server:
        server.hold.set()
        answer = send(robot_cfg(server, timeout=0.3), MSG)
        server.release()
    assert not answer.ok and not answer.rate_limited
    assert answer.text == t("channels.answer.timeout", host="127.0.0.1", seconds="0.3")


def test_a_wrong_token_is_not_delivered_and_the_answer_hides_the_url():
    with RobotServer("dingtalk") as server:
        url = server.url.replace(server.token, "0" * 32)
        answer = send(ChannelConfig("robot", "dingtalk", url=url), MSG)
    assert not answer.ok and "300001" in answer.text
    assert "0" * 32 not in answer.text and server.received == []


def test_a_robot_given_a_file_says_it_cannot_carry_it_in_its_language():
    msg = Outgoing(3, "回访台 #3 汇总表", ("已批准",), ("2026-11.xlsx", b"x"))
    with RobotServer("wecom") as server:
        assert send(robot_cfg(server, lang="en"), msg).ok
    with in_lang("en"):
        note = t("notify.no_attachment")
    assert server.received[0]["markdown"]["content"].endswith(robots.escape_markdown(note))


# -- email --------------------------------------------------------------------------------------

def mail_cfg(server: SmtpServer, **kw) -> ChannelConfig:
    base = dict(host=server.host, port=server.port, tls=server.tls, sender="回访台 <huifang@example.com>",
                to=("gm@example.com", "boss@example.com"), cafile=str(server.cafile or ""))
    if server.auth:
        base.update(username=server.auth[0], password=server.auth[1])
    base.update(kw)
    return ChannelConfig("mail", "email", **base)


@pytest.mark.parametrize("tls", ["starttls", "ssl", "none"])
def test_email_arrives_with_subject_body_and_the_workbook(tls):
    msg = Outgoing(9, "回访台 #9 2026-11 回访汇总表已批准", ("2026-11 回访汇总表已由 王经理 批准。", "共 120 条"),
                   ("回访汇总表-2026-11.xlsx", workbook_bytes()))
    with SmtpServer(tls, auth=("huifang", "pw-Secret-1")) as server:
        answer = send(mail_cfg(server), msg)
        assert answer.ok, answer
        assert answer.text.startswith("250 ")  # the server's reply to DATA
        assert server.logins == ["huifang"]
    (mail,) = server.messages
    assert server.envelopes == [("huifang@example.com", ["gm@example.com", "boss@example.com"])]
    assert mail["Subject"] == msg.title
    assert mail["To"] == "gm@example.com, boss@example.com"
    assert mail["Date"] and mail["Message-ID"].endswith("@example.com>")
    body = mail.get_body(("plain",)).get_content()
    assert body.splitlines() == [*msg.lines, t("notify.attached", name="回访汇总表-2026-11.xlsx")]
    (att,) = mail.iter_attachments()
    assert att.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert att.get_filename() == "回访汇总表-2026-11.xlsx"
    assert openpyxl.load_workbook(io.BytesIO(att.get_content())).active["A1"].value == "2026年11月回访汇总表"


def test_email_names_its_attachment_once_in_the_channels_language():
    with in_lang("en"):
        note = t("notify.attached", name="a.xlsx")
    with SmtpServer("none") as server:
        assert send(mail_cfg(server, lang="en"), Outgoing(5, "t", ("x", note), ("a.xlsx", b"PK"))).ok
        assert send(mail_cfg(server, lang="en"), Outgoing(6, "t", ("x",), ("a.xlsx", b"PK"))).ok
    for mail in server.messages:
        assert mail.get_body(("plain",)).get_content().splitlines() == ["x", note]


def test_email_without_the_private_ca_is_refused_by_tls():
    with SmtpServer("ssl", auth=("u", "pw-Secret-1")) as server:
        answer = send(mail_cfg(server, cafile=""), MSG)  # the system's CAs do not know this certificate
        assert not answer.ok and server.messages == []
    assert answer.text.startswith(t("channels.answer.tls", host="127.0.0.1", error="")[:4])
    assert "pw-Secret-1" not in answer.text


def test_email_with_a_wrong_password_is_not_sent_and_the_password_not_shown():
    with SmtpServer("starttls", auth=("u", "right-pw-1")) as server:
        answer = send(mail_cfg(server, username="u", password="wrong-pw-9"), MSG)
        assert not answer.ok and server.messages == []
    assert answer.text.startswith("535") and "wrong-pw-9" not in answer.text


def test_email_refused_at_data_is_a_failed_answer_with_the_reply():
    with SmtpServer("none") as server:
        server.script[:] = ["554"]
        answer = send(mail_cfg(server), MSG)
        assert not answer.ok and answer.text.startswith("554") and server.messages == []
        assert send(mail_cfg(server), MSG).ok


def test_starttls_is_required_when_configured():
    with SmtpServer("none", auth=("u", "pw-Secret-1")) as server:  # offers no STARTTLS
        answer = send(mail_cfg(server, tls="starttls"), MSG)
        assert not answer.ok and server.messages == [] and server.logins == []
    assert answer.text == t("channels.answer.no_starttls", host="127.0.0.1")


def test_email_server_down_is_a_failed_answer():
    server = SmtpServer("starttls").start()
    cfg = mail_cfg(server)
    server.stop()
    try:
        answer = send(cfg, MSG)
        assert isinstance(answer, Answer) and not answer.ok and "127.0.0.1" in answer.text
        server.start()
        assert send(cfg, MSG).ok and len(server.messages) == 1
    finally:
        server.stop()
        server.__exit__()


def test_email_subject_cannot_carry_a_header():
    with SmtpServer("none") as server:
        assert send(mail_cfg(server), Outgoing(1, "回访台 #1 x\r\nBcc: spy@example.com", ("y",))).ok
    (mail,) = server.messages
    assert mail["Bcc"] is None and server.envelopes[0][1] == ["gm@example.com", "boss@example.com"]


# -- secrets ------------------------------------------------------------------------------------

def test_scrub_hides_every_secret_of_a_channel():
    cfg = ChannelConfig("d", "dingtalk", url="https://oapi.dingtalk.com/robot/send?access_token=tok123456789",
                        secret="SEC+/=abc")
    text = scrub("echo tok123456789 SEC+/=abc SEC%2B%2F%3Dabc\nhttps://oapi.dingtalk.com/robot/send?access_token=tok123456789",
                 cfg.secrets())
    assert "tok123456789" not in text and "SEC+/=abc" not in text and "SEC%2B" not in text
    assert "\n" not in text


def test_describe_and_repr_show_no_secret():
    robot = ChannelConfig("d", "feishu", url="https://open.feishu.cn/open-apis/bot/v2/hook/abcdef0123456789abcdef",
                          secret="SECxyz")
    mail = ChannelConfig("m", "email", host="smtp.example.com", port=465, tls="ssl", username="u",
                         password="hunter2-pw", sender="a@example.com", to=("b@example.com",))
    for text in (describe(robot), repr(robot), str(robot)):
        assert "abcdef0123456789" not in text and "SECxyz" not in text and "open.feishu.cn" in text
    for text in (describe(mail), repr(mail)):
        assert "hunter2-pw" not in text and "smtp.example.com:465" in text


# -- the notify file ----------------------------------------------------------------------------

GOOD = """
[channel.gm-mail]
type = "email"
host = "smtp.example.com"
tls = "ssl"
username = "huifang@example.com"
password = "pw"
sender = "回访台 <huifang@example.com>"
to = ["gm@example.com"]

[channel.team]
type = "dingtalk"
lang = "en"
url = "https://oapi.dingtalk.com/robot/send?access_token=abc"
secret = "SECabc"
timeout = 5
"""


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def test_the_users_file_is_read_when_private(tmp_path):
    channels = load_channels(write(tmp_path / "notify.toml", GOOD))
    assert set(channels) == {"gm-mail", "team"}
    mail, team = channels["gm-mail"], channels["team"]
    assert (mail.type, mail.port, mail.tls, mail.to, mail.lang) == ("email", 465, "ssl", ("gm@example.com",), "zh_CN")
    assert (team.type, team.lang, team.timeout, team.secret) == ("dingtalk", "en", 5.0, "SECabc")


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_the_users_file_readable_by_others_is_refused(tmp_path, mode):
    path = write(tmp_path / "notify.toml", GOOD, mode)
    with pytest.raises(ChannelConfigError) as e:
        load_channels(path)
    assert e.value.unsafe and e.value.key == "channels.err.unsafe_user"
    assert isinstance(e.value.as_error(), Refused) and str(path) in str(e.value)


def test_a_file_of_someone_else_or_a_link_is_refused(tmp_path):
    path = write(tmp_path / "notify.toml", GOOD)
    os.chown(path, 54321, -1)  # the tests run as root
    with pytest.raises(ChannelConfigError) as e:
        load_channels(path)
    assert e.value.key == "channels.err.unsafe_user"
    link = tmp_path / "link.toml"
    link.symlink_to(write(tmp_path / "real.toml", GOOD))
    with pytest.raises(ChannelConfigError) as e:
        load_channels(link)
    assert e.value.key == "channels.err.unsafe_not_file"


def test_no_file_is_no_channels(tmp_path):
    assert load_channels(tmp_path / "absent.toml") == {}


@pytest.mark.parametrize(("text", "key", "params"), [
    ("[channel.x\n", "channels.err.bad_toml", {}),
    ('[channels.x]\ntype = "wecom"\n', "channels.err.top_unknown", {"entry": "channels"}),
    ('[channel."a b"]\ntype = "wecom"\n', "channels.err.bad_name", {"name": "a b"}),
    ('[channel.x]\ntype = "slack"\n', "channels.err.field_bad", {"name": "x", "field": "type"}),
    ('[channel.x]\ntype = "wecom"\n', "channels.err.field_missing", {"name": "x", "field": "url"}),
    ('[channel.x]\ntype = "wecom"\nurl = "https://q/x?key=k"\nsecret = "s"\n', "channels.err.field_unknown",
     {"name": "x", "field": "secret"}),
    ('[channel.x]\ntype = "wecom"\nurl = "http://qyapi.weixin.qq.com/x?key=k"\n', "channels.err.url_plain", {"name": "x"}),
    ('[channel.x]\ntype = "feishu"\nurl = "ftp://h/x"\n', "channels.err.field_bad", {"name": "x", "field": "url"}),
    ('[channel.x]\ntype = "feishu"\nlang = "fr"\nurl = "https://h/x"\n', "channels.err.field_bad", {"field": "lang"}),
    ('[channel.x]\ntype = "feishu"\ntimeout = 0\nurl = "https://h/x"\n', "channels.err.field_bad", {"field": "timeout"}),
    ('[channel.m]\ntype = "email"\nhost = "smtp.x.com"\nsender = "a@x.com"\nto = []\n', "channels.err.field_bad",
     {"name": "m", "field": "to"}),
    ('[channel.m]\ntype = "email"\nhost = "smtp.x.com"\nsender = "nobody"\nto = ["a@x.com"]\n', "channels.err.field_bad",
     {"field": "sender"}),
    ('[channel.m]\ntype = "email"\nhost = "smtp.x.com"\nusername = "u"\nsender = "a@x.com"\nto = "b@x.com"\n',
     "channels.err.login_half", {"name": "m"}),
    ('[channel.m]\ntype = "email"\nhost = "smtp.x.com"\ntls = "none"\nusername = "u"\npassword = "p"\n'
     'sender = "a@x.com"\nto = "b@x.com"\n', "channels.err.login_plain", {"name": "m"}),
    ('[channel.m]\ntype = "email"\nhost = "smtp.x.com"\nport = 70000\nsender = "a@x.com"\nto = "b@x.com"\n',
     "channels.err.field_bad", {"field": "port"}),
    ('[channel.m]\ntype = "email"\nhost = "smtp.x.com"\ncafile = "/nonexistent/ca.pem"\nsender = "a@x.com"\n'
     'to = "b@x.com"\n', "channels.err.cafile_missing", {"name": "m"}),
])
def test_bad_content_names_the_channel_and_the_field(tmp_path, text, key, params):
    with pytest.raises(ChannelConfigError) as e:
        load_channels(write(tmp_path / "notify.toml", text))
    assert e.value.key == key and not e.value.unsafe
    assert params.items() <= e.value.params.items()
    err = e.value.as_error()
    assert type(err) is ServiceError and str(err) == t(key, **e.value.params)


def test_plain_smtp_with_a_login_is_allowed_to_this_machine_only(tmp_path):
    text = ('[channel.m]\ntype = "email"\nhost = "127.0.0.1"\ntls = "none"\nusername = "u"\npassword = "p"\n'
            'sender = "a@x.com"\nto = "b@x.com"\n'
            '[channel.r]\ntype = "wecom"\nurl = "http://localhost:8080/cgi-bin/webhook/send?key=k"\n')
    channels = load_channels(write(tmp_path / "notify.toml", text))
    assert channels["m"].port == 25 and channels["m"].to == ("b@x.com",) and channels["r"].url.startswith("http://")


def test_the_example_configures_nothing_and_each_example_is_valid(tmp_path):
    for lang in ("zh_CN", "en"):
        with in_lang(lang):
            text = chconfig.example_text()
        assert load_channels(write(tmp_path / f"ex-{lang}.toml", text)) == {}
        uncommented = "\n".join(line[2:] if re.match(r"# (\[channel\.|[a-z_]+ = )", line) else line
                                for line in text.splitlines())
        channels = chconfig.parse(tomllib.loads(uncommented))
        assert {c.type for c in channels.values()} == {"email", "dingtalk", "wecom", "feishu"}


def shared_install(tmp_path: Path, monkeypatch) -> tuple[system.SystemConfig, Path]:
    etc = tmp_path / "etc" / "huifang"
    etc.mkdir(parents=True)
    os.chmod(tmp_path / "etc", 0o755)
    os.chmod(etc, 0o755)
    conf = system.SystemConfig(path=etc / "config.toml", database=tmp_path / "srv" / "huifang.db",
                               store_group="huifang-test-store", agents_group="agents", python=Path("/usr/bin/python3"))
    gid = 4242
    monkeypatch.setattr(system.SystemConfig, "store_gid", lambda self: gid)
    path = write(etc / "notify.toml", GOOD, 0o640)
    os.chown(path, 0, gid)
    return conf, path


def test_the_shared_file_is_root_s_group_the_store_s_0640(tmp_path, monkeypatch):
    conf, path = shared_install(tmp_path, monkeypatch)
    monkeypatch.setattr(system, "_locked", conf)
    monkeypatch.setenv("HUIFANG_NOTIFY_FILE", str(tmp_path / "elsewhere.toml"))  # not read when locked
    assert notify_file() == path
    assert set(load_channels()) == {"gm-mail", "team"}
    for mode, gid in ((0o644, 4242), (0o660, 4242), (0o640, 4243)):
        os.chmod(path, mode)
        os.chown(path, 0, gid)
        with pytest.raises(ChannelConfigError) as e:
            load_channels()
        assert e.value.key == "channels.err.unsafe_shared" and e.value.params["group"] == "huifang-test-store"
        assert isinstance(e.value.as_error(), Refused)
    os.chmod(path, 0o640)
    os.chown(path, 54321, 4242)  # not root's
    with pytest.raises(ChannelConfigError):
        load_channels()


def test_the_shared_file_in_a_directory_others_may_write_is_refused(tmp_path, monkeypatch):
    conf, path = shared_install(tmp_path, monkeypatch)
    monkeypatch.setattr(system, "_locked", conf)
    os.chmod(path.parent, 0o777)
    with pytest.raises(ChannelConfigError) as e:
        load_channels()
    assert e.value.key == "channels.err.unsafe_shared"


def test_outside_the_shared_install_the_environment_then_the_users_file(tmp_path, monkeypatch):
    monkeypatch.setattr(system, "_locked", None)
    monkeypatch.setenv("HUIFANG_NOTIFY_FILE", str(tmp_path / "mine.toml"))
    assert notify_file() == tmp_path / "mine.toml"
    monkeypatch.delenv("HUIFANG_NOTIFY_FILE")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert notify_file() == tmp_path / "cfg" / "huifang" / "notify.toml"



def test_a_robot_is_reached_through_the_channels_proxy_and_never_the_environments(monkeypatch):
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # a proxy that is not there
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    with RobotServer("wecom") as server:
        assert send(robot_cfg(server), MSG).ok  # the environment's proxy is not used
        # the channel's own proxy is: the robot's host here answers nothing, the proxy forwards
        via = ChannelConfig("robot", "wecom", url=server.url.replace(f"127.0.0.1:{server.port}", "127.0.0.2:9"),
                            proxy=f"http://127.0.0.1:{server.port}")
        assert send(via, MSG).ok
        assert len(server.received) == 2


def test_a_proxy_is_an_http_address(tmp_path):
    text = '[channel.x]\ntype = "wecom"\nurl = "https://q/cgi-bin/webhook/send?key=k"\nproxy = "socks5://p:1080"\n'
    with pytest.raises(ChannelConfigError) as e:
        load_channels(write(tmp_path / "notify.toml", text))
    assert e.value.params["field"] == "proxy"
    ok = '[channel.x]\ntype = "wecom"\nurl = "https://q/cgi-bin/webhook/send?key=k"\nproxy = "http://u:proxy-pw@p:3128"\n'
    cfg = load_channels(write(tmp_path / "notify.toml", ok))["x"]
    assert cfg.proxy == "http://u:proxy-pw@p:3128" and "proxy-pw" not in scrub("auth proxy-pw failed", cfg.secrets())
