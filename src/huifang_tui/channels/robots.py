"""The group robots: DingTalk, WeCom and Feishu webhooks (issue 26 item 2).

Each robot answers HTTP 200 for most errors and says what went wrong in its JSON (``errcode`` or
``code``): only code 0 is delivered. Their rate limits (20 messages a minute) come back as their
own codes (DingTalk 130101, WeCom 45009, Feishu 9499/11232) or HTTP 429 → ``Answer.rate_limited``.
HTTP 5xx, an answer that is not JSON, no connection, a timeout or a TLS failure → not delivered
(tried again later). Robots cannot carry files.

Signing: DingTalk appends ``timestamp`` (ms) and ``sign`` = base64(HMAC-SHA256(key=secret,
msg="<ts>\\n<secret>")) to the URL, URL-encoded once; Feishu puts ``timestamp`` (s) and ``sign`` =
base64(HMAC-SHA256(key="<ts>\\n<secret>", msg="")) in the body. WeCom has no signing (the key in
the URL is the secret).

Every title and line is ``plain`` first (no control character or terminal escape sequence, one
line each). For the markdown of DingTalk and WeCom it is then made literal (``escape_markdown``)
unless the sender did so already (``Outgoing.escaped``: only what people typed was escaped, so
"回访台 #12" keeps its "#"); Feishu's ``post`` message is plain text runs, shown as they are.
Our own words in an answer (no connection, through the proxy or to the robot, a timeout, a TLS
failure) are catalog texts (``message.ours``); the robot's are kept as it said them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import quote_plus, urlsplit

from ..core.i18n import in_lang, t
from ..domain.notify import escape_markdown
from .config import ChannelConfig
from .message import Answer, Outgoing, one_line, ours, plain

RATE_CODES = {"dingtalk": {130101}, "wecom": {45009}, "feishu": {9499, 11232}}
WECOM_MAX_BYTES = 4096  # markdown.content, in UTF-8 bytes
DINGTALK_MAX_BYTES = 18000  # DingTalk takes 20000; room for the JSON around it
FEISHU_MAX_BYTES = 18000  # a Feishu request is at most 20 KB
CUT = "…"


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(timestamp_s: int, secret: str) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def cut_bytes(text: str, limit: int) -> str:
    """``text`` within ``limit`` UTF-8 bytes, cut between whole characters and ended with ``…``.
    Safe for the markdown sent: the only marks in it are ours (the title's, which comes first and
    is short), and text people typed has none left (``escape_markdown``, here or by the sender
    when ``Outgoing.escaped``)."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit - len(CUT.encode("utf-8"))].decode("utf-8", errors="ignore") + CUT


def _lines(cfg: ChannelConfig, msg: Outgoing) -> list[str]:
    lines = [plain(x).strip() for x in msg.lines]
    if msg.attachment is not None:  # a robot carries no file: say so once, in the channel's language
        with in_lang(cfg.lang):
            note = t("notify.no_attachment")
        if note not in lines:
            lines.append(note)
    return lines


def _markdown(msg: Outgoing, text: str) -> str:
    """``text`` (plain already) for the robots' markdown: escaped unless the sender did."""
    return text if msg.escaped else escape_markdown(text)


def dingtalk_body(cfg: ChannelConfig, msg: Outgoing) -> dict:
    title = one_line(msg.title)
    text = "\n\n".join([f"#### {_markdown(msg, title)}"] + [_markdown(msg, x) for x in _lines(cfg, msg)])
    return {"msgtype": "markdown", "markdown": {"title": title, "text": cut_bytes(text, DINGTALK_MAX_BYTES)}}


def wecom_body(cfg: ChannelConfig, msg: Outgoing) -> dict:
    title = cut_bytes(_markdown(msg, one_line(msg.title)), 512)
    content = "\n".join([f"**{title}**"] + [_markdown(msg, x) for x in _lines(cfg, msg)])
    return {"msgtype": "markdown", "markdown": {"content": cut_bytes(content, WECOM_MAX_BYTES)}}


def feishu_body(cfg: ChannelConfig, msg: Outgoing) -> dict:
    title = cut_bytes(one_line(msg.title), 512)
    text = cut_bytes("\n".join(_lines(cfg, msg)), FEISHU_MAX_BYTES)
    post = {"title": title, "content": [[{"tag": "text", "text": line}] for line in text.split("\n")]}
    return {"msg_type": "post", "content": {"post": {"en_us" if cfg.lang == "en" else "zh_cn": post}}}


def dingtalk_url(cfg: ChannelConfig, now: Callable[[], float] = time.time) -> str:
    if not cfg.secret:
        return cfg.url
    ts = int(now() * 1000)
    sep = "&" if urlsplit(cfg.url).query else ("" if cfg.url.endswith("?") else "?")
    return f"{cfg.url}{sep}timestamp={ts}&sign={quote_plus(dingtalk_sign(ts, cfg.secret))}"


def send_dingtalk(cfg: ChannelConfig, msg: Outgoing) -> Answer:
    return _post(cfg, dingtalk_url(cfg), dingtalk_body(cfg, msg), "errcode")


def send_wecom(cfg: ChannelConfig, msg: Outgoing) -> Answer:
    return _post(cfg, cfg.url, wecom_body(cfg, msg), "errcode")


def send_feishu(cfg: ChannelConfig, msg: Outgoing, now: Callable[[], float] = time.time) -> Answer:
    body = feishu_body(cfg, msg)
    if cfg.secret:
        ts = int(now())
        body = {"timestamp": str(ts), "sign": feishu_sign(ts, cfg.secret), **body}
    return _post(cfg, cfg.url, body, "code")


def _post(cfg: ChannelConfig, url: str, body: dict, code_field: str) -> Answer:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8",
                                          "User-Agent": "huifang-tui"})
    host = urlsplit(cfg.url).hostname or ""
    secrets = cfg.secrets()
    opener = _opener(cfg)
    try:
        with opener.open(req, timeout=cfg.timeout) as resp:
            status, raw = resp.status, resp.read(65536)
    except urllib.error.HTTPError as e:
        status = e.code
        try:
            raw = e.read(65536)
        except (OSError, http.client.HTTPException):
            raw = b""
        finally:
            e.close()
    except TimeoutError:
        return Answer(False, _timeout(cfg, host, secrets))
    except urllib.error.URLError as e:
        reason = e.reason
        if isinstance(reason, TimeoutError):
            return Answer(False, _timeout(cfg, host, secrets))
        if isinstance(reason, ssl.SSLError):
            return Answer(False, ours("channels.answer.tls", secrets, host=host, error=_why(reason)))
        return Answer(False, _no_connection(cfg, host, reason, secrets))
    except (OSError, http.client.HTTPException, ValueError) as e:
        return Answer(False, _no_connection(cfg, host, e, secrets))
    return judge(cfg.type, status, raw, code_field, secrets)


def judge(kind: str, status: int, raw: bytes, code_field: str, secrets: tuple[str, ...] = ()) -> Answer:
    """The robot's answer: delivered only on its code 0."""
    body = raw.decode("utf-8", errors="replace")
    text = ours("channels.answer.http", secrets, status=status, body=body)
    if status == 429:
        return Answer(False, text, rate_limited=True)
    if status >= 500:
        return Answer(False, text)
    try:
        answer = json.loads(body)
    except ValueError:
        return Answer(False, text)
    if not isinstance(answer, dict):
        return Answer(False, text)
    code = answer.get(code_field, answer.get("StatusCode"))
    if code == 0 and 200 <= status < 300:
        return Answer(True, text)
    if isinstance(code, int) and code in RATE_CODES.get(kind, ()):
        return Answer(False, text, rate_limited=True)
    return Answer(False, text)


def _opener(cfg: ChannelConfig) -> urllib.request.OpenerDirector:
    """No redirect followed (the token stays with the robot's host), and a proxy only when the
    channel names one: never from the environment, which the service does not choose."""
    proxies = {"http": cfg.proxy, "https": cfg.proxy} if cfg.proxy else {}
    return urllib.request.build_opener(urllib.request.ProxyHandler(proxies), _NoRedirect)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 - urllib's signature
        return None


def _proxy_name(cfg: ChannelConfig) -> str:
    """The proxy's host and port, never its login."""
    parts = urlsplit(cfg.proxy)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname or "")


def _no_connection(cfg: ChannelConfig, host: str, error: object, secrets: tuple[str, ...]) -> str:
    """No connection: to the robot's host, or, through a proxy, to the proxy (every connection
    goes to it) unless the proxy answered that it could not reach the robot (its tunnel)."""
    if not cfg.proxy:
        return ours("channels.answer.no_connection", secrets, host=host, error=_why(error))
    if "tunnel connection failed" in str(error).lower():
        return ours("channels.answer.proxy_no_route", secrets, proxy=_proxy_name(cfg), host=host, error=_why(error))
    return ours("channels.answer.proxy_down", secrets, proxy=_proxy_name(cfg), host=host, error=_why(error))


def _timeout(cfg: ChannelConfig, host: str, secrets: tuple[str, ...]) -> str:
    if cfg.proxy:
        return ours("channels.answer.proxy_timeout", secrets, host=host, proxy=_proxy_name(cfg),
                    seconds=_secs(cfg.timeout))
    return ours("channels.answer.timeout", secrets, host=host, seconds=_secs(cfg.timeout))


def _why(error: object) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _secs(value: float) -> str:
    return f"{value:g}"
