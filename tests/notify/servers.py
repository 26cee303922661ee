"""Real servers on 127.0.0.1 that answer as the notification channels do (issue 26).

``RobotServer(kind, secret=None)``: an HTTP server in a thread that answers as DingTalk's,
WeCom's or Feishu's group robot: the token in the URL, the signature checked with the secret,
the message's JSON shape, and the robot's own error codes (as HTTP 200 + an error code, the way
the real robots answer). ``.url`` is the full webhook URL an admin would copy; ``.received``
holds the accepted message bodies, in order; ``.script`` the answers to give next ("ok",
"rate", "500", or "html": a 200 that is not JSON, as a proxy's page; empty → "ok");
``.stop()``/``.start()`` take it down and bring it back on the same port; ``.hold`` (set it)
keeps the next requests open after their body was recorded until ``.release()`` (``.held`` is
set once a body is recorded under hold). ``per_minute=N`` makes it refuse (rate limit) past N
accepted messages a minute by the wall clock; by default it does not count.

``SmtpServer(tls="none"|"starttls"|"ssl", auth=("user", "pw")|None)``: aiosmtpd on a free
port, with a self-signed certificate for 127.0.0.1 (``.cafile``) when it speaks TLS; the
messages it accepted are ``.messages`` (``email.message.EmailMessage``), their envelopes
``.envelopes`` ((mail from, [rcpt to…])). ``.script`` answers the next DATA commands ("ok" or
an SMTP code such as "451" or "554").

Both are context managers and start when entered.
"""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import hashlib
import hmac
import json
import logging
import secrets
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import warnings
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

# AUTH without TLS is what tls="none" tests on purpose (and implicit TLS, which aiosmtpd does not count).
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS", category=UserWarning)
logging.getLogger("mail.log").setLevel(logging.ERROR)

ROBOT_KINDS = ("dingtalk", "wecom", "feishu")

# What each robot answers (the real services' codes and messages).
_OK = {
    "dingtalk": {"errcode": 0, "errmsg": "ok"},
    "wecom": {"errcode": 0, "errmsg": "ok"},
    "feishu": {"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": {}, "msg": "success"},
}
_RATE = {
    "dingtalk": {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"},
    "wecom": {"errcode": 45009, "errmsg": "api freq out of limit"},
    "feishu": {"code": 11232, "data": {}, "msg": "frequency limited psm[lark.oapi.app_platform_runtime]appID[1]"},
}
_BAD_TOKEN = {
    "dingtalk": {"errcode": 300001, "errmsg": "token is not exist"},
    "wecom": {"errcode": 93000, "errmsg": "invalid webhook url, hint: [1] from ip: 127.0.0.1"},
    "feishu": {"code": 19001, "data": {}, "msg": "param invalid: incoming webhook access token invalid"},
}
_BAD_SIGN = {
    "dingtalk": {"errcode": 310000, "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"},
    "feishu": {"code": 19021, "data": {}, "msg": "sign match fail or timestamp is not within one hour from current time"},
}
_BAD_BODY = {
    "dingtalk": {"errcode": 40035, "errmsg": "缺少参数 json"},
    "wecom": {"errcode": 40008, "errmsg": "invalid message type"},
    "feishu": {"code": 9499, "data": {}, "msg": "Bad Request"},
}
_TOO_LONG = {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096. invalid Request Parameter"}

WECOM_MAX_BYTES = 4096
SIGN_WINDOW_SECONDS = 3600  # DingTalk and Feishu refuse a timestamp more than an hour off


def dingtalk_sign(timestamp_ms: int | str, secret: str) -> str:
    """DingTalk's signature: base64(HMAC-SHA256(key=secret, msg="<ms>\\n<secret>"))."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(timestamp_s: int | str, secret: str) -> str:
    """Feishu's signature: base64(HMAC-SHA256(key="<s>\\n<secret>", msg=b""))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class _Http(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


class RobotServer:
    """One group robot of ``kind`` (dingtalk, wecom, feishu) on 127.0.0.1."""

    def __init__(self, kind: str, secret: str | None = None, *, per_minute: int | None = None) -> None:
        if kind not in ROBOT_KINDS:
            raise ValueError(kind)
        self.kind = kind
        self.secret = secret
        self.token = secrets.token_hex(16)
        self.per_minute = per_minute  # when set, the robot's own limit by the wall clock
        self.received: list[dict] = []
        self.script: list[str] = []
        self.requests = 0  # every request that reached the handler, accepted or not
        self.answers: list[dict | str] = []  # what was answered, in order (a dict, "500" or "html")
        self.hold = threading.Event()
        self.held = threading.Event()
        self._wake = threading.Event()
        self._accepted_at: list[float] = []
        self._lock = threading.Lock()
        self._server: _Http | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- the address an admin copies ------------------------------------------------------
    @property
    def url(self) -> str:
        base = f"http://127.0.0.1:{self.port}"
        if self.kind == "dingtalk":
            return f"{base}/robot/send?access_token={self.token}"
        if self.kind == "wecom":
            return f"{base}/cgi-bin/webhook/send?key={self.token}"
        return f"{base}/open-apis/bot/v2/hook/{self.token}"

    # -- life -----------------------------------------------------------------------------
    def start(self) -> RobotServer:
        handler = type("Handler", (_RobotHandler,), {"robot": self})
        self._server = _Http(("127.0.0.1", self.port), handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Down: connections to the port are refused until ``start()``."""
        if self._server is None:
            return
        server, self._server = self._server, None
        self._wake.set()
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._thread = None
        self._wake.clear()

    def release(self) -> None:
        """Let the requests kept open under ``hold`` answer (and stop holding)."""
        self.hold.clear()
        self._wake.set()

    def __enter__(self) -> RobotServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.release()
        self.stop()

    # -- the robot's rules ----------------------------------------------------------------
    def _answer(self, path: str, query: dict[str, list[str]], raw: bytes) -> tuple[int, dict | str]:
        kind = self.kind
        if not self._token_ok(path, query):
            return 200, _BAD_TOKEN[kind]
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return 200, _BAD_BODY[kind]
        if not isinstance(body, dict):
            return 200, _BAD_BODY[kind]
        if self.secret and not self._signed(query, body):
            return 200, _BAD_SIGN[kind]
        shape = self._shape(body)
        if shape is not None:
            return 200, shape
        with self._lock:
            step = self.script.pop(0) if self.script else "ok"
            if step == "500":
                return 500, "500"
            if step == "html":
                return 200, "html"
            if step == "rate":
                return 200, _RATE[kind]
            now = time.time()
            if self.per_minute is not None:
                recent = [t for t in self._accepted_at if now - t < 60]
                if len(recent) >= self.per_minute:
                    return 200, _RATE[kind]
            self._accepted_at.append(now)
            self.received.append(body)
        return 200, _OK[kind]

    def _token_ok(self, path: str, query: dict[str, list[str]]) -> bool:
        if self.kind == "dingtalk":
            return path == "/robot/send" and query.get("access_token") == [self.token]
        if self.kind == "wecom":
            return path == "/cgi-bin/webhook/send" and query.get("key") == [self.token]
        return path == f"/open-apis/bot/v2/hook/{self.token}"

    def _signed(self, query: dict[str, list[str]], body: dict) -> bool:
        assert self.secret is not None
        if self.kind == "dingtalk":
            ts, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
            if not ts.isdigit() or abs(int(ts) / 1000 - time.time()) > SIGN_WINDOW_SECONDS:
                return False
            return hmac.compare_digest(sign, dingtalk_sign(ts, self.secret))
        if self.kind == "feishu":
            ts, sign = str(body.get("timestamp", "")), str(body.get("sign", ""))
            if not ts.isdigit() or abs(int(ts) - time.time()) > SIGN_WINDOW_SECONDS:
                return False
            return hmac.compare_digest(sign, feishu_sign(ts, self.secret))
        return True  # WeCom has no signing: the key in the URL is the secret

    def _shape(self, body: dict) -> dict | None:
        """The robot's error for a body it cannot show, else None."""
        kind = self.kind
        if kind == "dingtalk":
            t = body.get("msgtype")
            if t == "markdown":
                md = body.get("markdown")
                ok = isinstance(md, dict) and isinstance(md.get("title"), str) and isinstance(md.get("text"), str)
            elif t == "text":
                ok = isinstance(body.get("text"), dict) and isinstance(body["text"].get("content"), str)
            else:
                ok = False
            return None if ok else _BAD_BODY[kind]
        if kind == "wecom":
            t = body.get("msgtype")
            part = body.get(t) if t in ("markdown", "text") else None
            if not isinstance(part, dict) or not isinstance(part.get("content"), str):
                return _BAD_BODY[kind]
            if len(part["content"].encode("utf-8")) > WECOM_MAX_BYTES:
                return _TOO_LONG
            return None
        t = body.get("msg_type")
        content = body.get("content")
        if t == "text":
            ok = isinstance(content, dict) and isinstance(content.get("text"), str)
        elif t == "post":
            post = content.get("post") if isinstance(content, dict) else None
            ok = isinstance(post, dict) and bool(post) and all(
                isinstance(v, dict) and isinstance(v.get("content"), list) for v in post.values())
        else:
            ok = False
        return None if ok else _BAD_BODY[kind]

    def _wait_released(self) -> None:
        while self.hold.is_set() and self._server is not None:
            self._wake.wait(0.05)


class _RobotHandler(BaseHTTPRequestHandler):
    robot: RobotServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet in tests
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        robot = self.robot
        robot.requests += 1
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        parts = urlsplit(self.path)
        status, answer = robot._answer(parts.path, parse_qs(parts.query, keep_blank_values=True), raw)
        robot.answers.append(answer)
        if robot.hold.is_set() and status == 200 and answer is _OK[robot.kind]:
            robot.held.set()
            robot._wait_released()
        if status == 500:
            data = b"<html><body><h1>500 Internal Server Error</h1></body></html>"
            ctype = "text/html"
        elif answer == "html":
            data = b"<html><body>Please log in to the proxy</body></html>"
            ctype = "text/html"
        else:
            data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
            ctype = "application/json;charset=utf-8"
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the sender went away (killed while held)
            pass
        self.close_connection = True


# -- SMTP ---------------------------------------------------------------------------------

def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by openssl in ``directory``."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True)
    return cert, key


class _Collect:
    """The aiosmtpd handler: keeps what arrives, answers DATA as scripted."""

    def __init__(self, owner: SmtpServer) -> None:
        self.owner = owner

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        owner = self.owner
        step = owner.script.pop(0) if owner.script else "ok"
        if step != "ok":
            return f"{step} scripted refusal"
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        owner.messages.append(msg)  # type: ignore[arg-type]
        owner.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return f"250 2.0.0 Ok: queued as {len(owner.messages)}"


class SmtpServer:
    """An SMTP server on 127.0.0.1 (aiosmtpd) speaking plain, STARTTLS or implicit TLS."""

    def __init__(self, tls: str = "none", auth: tuple[str, str] | None = None) -> None:
        if tls not in ("none", "starttls", "ssl"):
            raise ValueError(tls)
        self.tls = tls
        self.auth = auth
        self.host = "127.0.0.1"
        self.port = 0
        self.cafile: Path | None = None
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.script: list[str] = []
        self.logins: list[str] = []
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._controller = None

    def _context(self) -> ssl.SSLContext | None:
        if self.tls == "none":
            return None
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="huifang-smtp-")
            cert, key = self_signed_cert(Path(self._tmp.name))
            self.cafile = cert
            self._key = key
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(str(self.cafile), str(self._key))
        return ctx

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if isinstance(auth_data, LoginPassword) and self.auth is not None:
            user, pw = auth_data.login.decode(), auth_data.password.decode()
            if (user, pw) == self.auth:
                self.logins.append(user)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller

        ctx = self._context()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(16)
        self.port = sock.getsockname()[1]
        kwargs: dict = {"server_hostname": "huifang-test-smtp"}
        if self.tls == "starttls":
            kwargs.update(tls_context=ctx, require_starttls=True)
        elif self.tls == "ssl":
            kwargs.update(ssl_context=ctx)
        if self.auth is not None:
            # aiosmtpd knows only STARTTLS as TLS: under implicit TLS the socket is TLS already
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=self.tls == "starttls")
        owner_sock = sock

        class _OnSocket(Controller):
            def factory(self):
                with warnings.catch_warnings():  # AUTH without STARTTLS, on purpose (see above)
                    warnings.simplefilter("ignore", UserWarning)
                    return super().factory()

            def _create_server(self):
                return self.loop.create_server(self._factory_invoker, sock=owner_sock, ssl=self.ssl_context)

        controller = _OnSocket(_Collect(self), hostname=self.host, port=self.port, loop=asyncio.new_event_loop(), **kwargs)
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        """Down: connections are refused until ``start()`` (same port)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
