"""The channels after a user walk (issue 26): a message already escaped by its sender is not
escaped again ("#12" stays searchable); control characters and terminal escape sequences never
leave in any channel; an error names what failed (a notify file that is not there, the proxy, a
robot URL of another type); our own words in an answer are catalog texts, shown in each reader's
language; the attachment is named for old and new mail clients alike."""

from __future__ import annotations

import email
import email.policy
import io
import socket
import threading
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openpyxl
import pytest

from huifang_tui import cli
from huifang_tui.channels import mail as chmail
from huifang_tui.channels.config import ChannelConfig, ChannelConfigError, load_channels
from huifang_tui.channels.message import Outgoing, scrub
from huifang_tui.channels.send import send
from huifang_tui.core import system
from huifang_tui.core.errors import Refused, ServiceError
from huifang_tui.core.i18n import NOTE_CODE, Msg, in_lang, note_line, note_text, t

from .servers import RobotServer, SmtpServer

# As the sender makes it: our words as they are, what people typed (王*明) escaped already.
ESCAPED = Outgoing(12, "回访台 #12 客户投诉：王＊明", ("投诉人 陈晓雯 (agent1)，回访编号 WT202611001 #3",),
                   escaped=True)
TYPED = "\x1b[31m红\x1b[0m字\x07 标题\n第二行"  # what a person may have typed or pasted


def robot_cfg(server: RobotServer, **kw) -> ChannelConfig:
    return ChannelConfig("robot", server.kind, url=server.url, secret=server.secret or "", **kw)


def mail_cfg(server: SmtpServer, **kw) -> ChannelConfig:
    base = dict(host=server.host, port=server.port, tls="none", sender="回访台 <huifang@example.com>",
                to=("gm@example.com",), timeout=10.0)
    base.update(kw)
    return ChannelConfig("mail", "email", **base)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


# -- item 1: escaped once ---------------------------------------------------------------------

def test_an_escaped_message_reaches_dingtalk_as_the_sender_made_it():
    with RobotServer("dingtalk") as server:
        assert send(robot_cfg(server), ESCAPED).ok
    text = server.received[0]["markdown"]["text"]
    assert text.startswith("#### 回访台 #12 客户投诉：王＊明\n\n")
    assert "陈晓雯 (agent1)" in text and "WT202611001 #3" in text
    assert "＃" not in text and "（" not in text


def test_an_escaped_message_reaches_wecom_as_the_sender_made_it():
    with RobotServer("wecom") as server:
        assert send(robot_cfg(server), ESCAPED).ok
    first, *rest = server.received[0]["markdown"]["content"].split("\n")
    assert first == "**回访台 #12 客户投诉：王＊明**"
    assert rest == ["投诉人 陈晓雯 (agent1)，回访编号 WT202611001 #3"]


def test_a_message_not_escaped_is_escaped_by_the_robot_and_parentheses_stay():
    # `huifang notify test`: plain text, nobody escaped it; ( ) cannot link without [ ]
    msg = Outgoing(0, "回访台 测试 *粗*", ("陈晓雯 (agent1) [链接](http://x.example) @all",))
    with RobotServer("wecom") as server:
        assert send(robot_cfg(server), msg).ok
    first, *rest = server.received[0]["markdown"]["content"].split("\n")
    assert first == "**回访台 测试 ＊粗＊**"
    assert rest == ["陈晓雯 (agent1) ［链接］(http://x.example) ＠all"]


# -- item 2: no control character leaves --------------------------------------------------------

@pytest.mark.parametrize("escaped", [False, True])
def test_control_characters_never_reach_a_robot(escaped):
    msg = Outgoing(5, f"回访台 #5 {TYPED}", (f"原因：{TYPED}",), escaped=escaped)
    for kind in ("dingtalk", "wecom", "feishu"):
        with RobotServer(kind) as server:
            assert send(robot_cfg(server), msg).ok
        body = str(server.received[0])
        assert "红字 标题 第二行" in body, (kind, body)
        assert "31m" not in body and "［" not in body, (kind, body)
        assert not any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in body), (kind, body)


def test_control_characters_never_reach_an_email_and_the_subject_stays_one_header():
    msg = Outgoing(5, f"回访台 #5 {TYPED}\r\nBcc: spy@example.com", (f"原因：{TYPED}", "第三行\tX"))
    with SmtpServer("none") as server:
        assert send(mail_cfg(server), msg).ok
    (got,) = server.messages
    assert got["Subject"] == "回访台 #5 红字 标题 第二行 Bcc: spy@example.com" and got["Bcc"] is None
    assert got.get_body(("plain",)).get_content().splitlines() == ["原因：红字 标题 第二行", "第三行 X"]


# -- item 3: the answer names what failed ------------------------------------------------------

def test_a_notify_file_named_that_is_not_there_is_said_so(tmp_path, monkeypatch):
    absent = tmp_path / "nonexist.toml"
    monkeypatch.setattr(system, "_locked", None)
    monkeypatch.setenv("HUIFANG_NOTIFY_FILE", str(absent))
    with pytest.raises(ChannelConfigError) as e:
        load_channels()
    assert e.value.key == "channels.err.missing_user" and e.value.params["path"] == absent
    error = e.value.as_error()
    assert isinstance(error, ServiceError) and not isinstance(error, Refused)  # exit 1
    assert str(absent) in str(error) and "chmod 0600" in str(error)
    # a file that is needed (to test a channel) must be there too; one nobody named is no channels
    monkeypatch.delenv("HUIFANG_NOTIFY_FILE")
    with pytest.raises(ChannelConfigError) as e:
        load_channels(absent, required=True)
    assert e.value.key == "channels.err.missing_user"
    assert load_channels(absent) == {}


def test_notify_test_with_a_notify_file_that_is_not_there_says_so(store, admin, tmp_path, monkeypatch, capsys):
    from huifang_tui.store.models import Setting

    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    with store.write() as s:
        s.add(Setting(key="demo", value="1"))
    absent = tmp_path / "nonexist.toml"
    monkeypatch.setenv("HUIFANG_NOTIFY_FILE", str(absent))
    capsys.readouterr()
    code = cli.main(["--as", "admin1", "notify", "test", "x"])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and "Traceback" not in err
    assert err.strip().splitlines() == [t("channels.err.missing_user", path=absent)]
    assert t("notifysend.no_channel", channel="x") not in err


def test_a_dead_proxy_is_named_not_the_robot():
    port = free_port()  # nothing listens there
    cfg = ChannelConfig("ding", "dingtalk", url="https://oapi.dingtalk.com/robot/send?access_token=tok0123456789",
                        proxy=f"http://user:proxy-pw@127.0.0.1:{port}", timeout=5.0)
    answer = send(cfg, ESCAPED)
    assert not answer.ok and answer.text.key == "channels.answer.proxy_down"
    assert f"127.0.0.1:{port}" in answer.text and "oapi.dingtalk.com" in answer.text
    assert "proxy-pw" not in answer.text and "tok0123456789" not in answer.text


class _NoRouteProxy(BaseHTTPRequestHandler):
    """A proxy that is up but cannot reach the robot: CONNECT answered 502."""

    def do_CONNECT(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(502)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet in tests
        pass


def test_a_proxy_that_cannot_reach_the_robot_says_so():
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _NoRouteProxy)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        cfg = ChannelConfig("ding", "dingtalk", url="https://oapi.dingtalk.com/robot/send?access_token=tok0123456789",
                            proxy=f"http://127.0.0.1:{proxy.server_address[1]}", timeout=5.0)
        answer = send(cfg, ESCAPED)
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert not answer.ok and answer.text.key == "channels.answer.proxy_no_route"
    assert "oapi.dingtalk.com" in answer.text and "502" in answer.text


@pytest.mark.parametrize(("kind", "url", "key"), [
    ("dingtalk", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", "channels.err.url_other"),
    ("wecom", "https://open.feishu.cn/open-apis/bot/v2/hook/abc", "channels.err.url_other"),
    ("feishu", "https://oapi.dingtalk.com/robot/send?access_token=abc", "channels.err.url_other"),
    ("dingtalk", "https://oapi.dingtalk.com/robot/send", "channels.err.url_shape"),
    ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=", "channels.err.url_shape"),
    ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/", "channels.err.url_shape"),
    ("feishu", "https://open.feishu.cn/", "channels.err.url_shape"),
])
def test_a_robot_url_of_the_wrong_shape_is_refused_naming_the_channel_and_url(tmp_path, kind, url, key):
    path = write(tmp_path / "notify.toml", f'[channel.team]\ntype = "{kind}"\nurl = "{url}"\n')
    with pytest.raises(ChannelConfigError) as e:
        load_channels(path)
    assert e.value.key == key and e.value.params["name"] == "team"
    error = e.value.as_error()
    assert isinstance(error, ServiceError) and not isinstance(error, Refused)
    assert "team" in str(error) and "url" in str(error) and t(f"channels.type.{kind}") in str(error)


def test_a_robot_url_of_its_shape_is_taken_on_any_host(tmp_path):
    text = "\n".join([
        '[channel.a]', 'type = "dingtalk"', 'url = "https://gw.corp.example/im/robot/send?access_token=t1"',
        '[channel.b]', 'type = "wecom"', 'url = "http://127.0.0.1:8080/cgi-bin/webhook/send?key=k1"',
        '[channel.c]', 'type = "feishu"', 'url = "https://open.larksuite.com/open-apis/bot/v2/hook/abc-123"', ''])
    assert set(load_channels(write(tmp_path / "notify.toml", text))) == {"a", "b", "c"}
    for kind in ("dingtalk", "wecom", "feishu"):
        with RobotServer(kind) as server:
            name = write(tmp_path / f"{kind}.toml", f'[channel.r]\ntype = "{kind}"\nurl = "{server.url}"\n')
            assert load_channels(name)["r"].url == server.url


# -- item 4: our words in the reader's language, the server's as it said them --------------------

def test_our_words_in_an_answer_are_a_catalog_text_shown_in_each_readers_language():
    port = free_port()
    cfg = ChannelConfig("ding", "dingtalk", url=f"http://127.0.0.1:{port}/robot/send?access_token=tok0123456789")
    with in_lang("zh_CN"):
        answer = send(cfg, ESCAPED)
    assert not answer.ok and isinstance(answer.text, Msg) and answer.text.key == "channels.answer.no_connection"
    stored = note_line(answer.text)
    assert stored.startswith(NOTE_CODE) and "tok0123456789" not in stored
    with in_lang("en"):
        shown = note_text(stored)
        assert shown == t("channels.answer.no_connection", host="127.0.0.1", error=answer.text.params["error"])
    assert shown.startswith("No connection to 127.0.0.1")


def test_no_starttls_is_our_words_and_a_server_reply_is_kept_as_it_said_it():
    with SmtpServer("none") as server:
        with in_lang("zh_CN"):
            refused = send(mail_cfg(server, tls="starttls"), ESCAPED)
            accepted = send(mail_cfg(server), ESCAPED)
    assert refused.text.key == "channels.answer.no_starttls"
    with in_lang("en"):
        assert note_text(note_line(refused.text)) == t("channels.answer.no_starttls", host="127.0.0.1")
        # the server's reply to DATA: not a catalog text, stored and shown as it is
        assert not isinstance(accepted.text, Msg) and accepted.text.startswith("250 ")
        assert note_line(accepted.text) == accepted.text and note_text(accepted.text) == accepted.text
        for reply in ("550 5.1.1 <gm@example.com>: 用户不存在", "HTTP 200 {\"errcode\":0,\"errmsg\":\"ok\"}"):
            assert note_text(note_line(reply)) == reply


def test_a_robots_answer_is_the_same_in_every_language_and_secrets_are_scrubbed_from_our_words():
    with RobotServer("wecom") as server:
        server.script[:] = ["500"]
        answer = send(robot_cfg(server), ESCAPED)
    assert not answer.ok and answer.text.startswith("HTTP 500")
    with in_lang("en"):
        assert note_text(note_line(answer.text)) == answer.text
    said = scrub(t("channels.answer.failed", host="h", error="token tok0123456789 refused\nagain"), ["tok0123456789"])
    assert isinstance(said, Msg) and said.key == "channels.answer.failed"
    assert said.params["error"] == "token *** refused again" and "tok0123456789" not in said


# -- item 5: the attachment named for old and new clients --------------------------------------

def _workbook() -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "2026年11月回访汇总表"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("name", ["2026-11 月度回访汇总表（第2版，经王经理批准后发出的正式版本）.xlsx", "summary-2026-11.xlsx"])
def test_the_attachment_is_named_in_content_type_and_content_disposition(name):
    msg = Outgoing(9, "回访台 #9 汇总表已批准", ("已批准。",), (name, _workbook()))
    raw = chmail.build(mail_cfg(SmtpServer()), msg)
    data = raw.as_bytes(policy=raw.policy.clone(linesep="\r\n", refold_source="none"))
    assert b"filename*0" not in data  # no RFC 2231 continuations: old clients cannot join them
    with SmtpServer("none") as server:
        assert send(mail_cfg(server), msg).ok
    (got,) = server.messages
    (att,) = got.iter_attachments()
    assert att.get_filename() == name  # Content-Disposition (RFC 2231 filename*=, or filename=)
    assert att["Content-Type"].params["name"] == name  # Content-Type name=
    assert openpyxl.load_workbook(io.BytesIO(att.get_content())).active["A1"].value == "2026年11月回访汇总表"
    # as an old client reads it: the name parameter as written, RFC 2047 decoded
    old = email.message_from_bytes(data, policy=email.policy.compat32)
    part = old.get_payload()[1]
    written = part.get_param("name")
    assert str(make_header(decode_header(written))) == name
    if not name.isascii():
        assert written.startswith("=?utf-8?b?") and all(len(w) <= 75 for w in written.split())
