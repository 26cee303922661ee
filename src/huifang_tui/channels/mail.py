"""Email over SMTP (issue 26 item 2): STARTTLS or implicit TLS with a login, or plain to a
server on this machine.

The subject is the title, the body the lines (plain text, UTF-8), each without control characters
or terminal escape sequences (``message.plain``: a line break inside a title or a line is a
space, so the subject never carries a header). The attachment is a real MIME part (an .xlsx as
``application/vnd.openxmlformats-officedocument.spreadsheetml.sheet``) named twice: RFC 2231
``filename*=`` in Content-Disposition for today's clients and the Content-Type ``name=`` parameter
(an RFC 2047 encoded word when not ASCII) for the older ones that show a file named only that way
as 未命名. Date and Message-ID headers. The server's certificate is checked against the system's CAs, or ``cafile``
for a private CA. The answer is the server's reply to DATA (what it says it queued), or to the
command it refused; no connection, a timeout or a TLS failure is a failed answer, never raised.
"""

from __future__ import annotations

import base64
import mimetypes
import smtplib
import ssl
from email.message import EmailMessage, Message
from email.utils import formatdate, getaddresses, make_msgid, parseaddr, quote
from urllib.parse import quote as pct

from ..core.i18n import in_lang, t
from .config import ChannelConfig
from .message import Answer, Outgoing, one_line, ours, plain, scrub

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TYPES = {".xlsx": XLSX, ".csv": "text/csv", ".pdf": "application/pdf"}


def build(cfg: ChannelConfig, msg: Outgoing) -> EmailMessage:
    """The message as it is sent."""
    mail = EmailMessage()
    mail["Subject"] = one_line(msg.title)  # one line: no header can ride in it
    mail["From"] = cfg.sender
    mail["To"] = ", ".join(cfg.to)
    mail["Date"] = formatdate(localtime=True)
    domain = parseaddr(cfg.sender)[1].rpartition("@")[2] or "huifang.invalid"
    mail["Message-ID"] = make_msgid(idstring=f"huifang.{msg.number}", domain=domain)
    lines = [plain(x) for x in msg.lines]
    if msg.attachment is not None:  # the body names the file, once, in the channel's language
        with in_lang(cfg.lang):
            note = t("notify.attached", name=msg.attachment[0])
        if note not in lines:
            lines.append(note)
    mail.set_content("\n".join(lines) + "\n", charset="utf-8", cte="base64")  # 7-bit safe on any server
    if msg.attachment is not None:
        mail.make_mixed()
        mail.attach(attachment_part(*msg.attachment))
    return mail


def attachment_part(name: str, data: bytes) -> Message:
    """The file as a MIME part named for old and new mail clients alike. Its headers are written
    as they are here (``send_email`` serialises with ``refold_source="none"``): the email
    package would turn ``name=`` into RFC 2231 and cut ``filename*=`` into continuations
    (``filename*0*=``), which the old clients read neither."""
    name = one_line(name) or "attachment"
    suffix = name[name.rfind("."):].lower() if "." in name else ""
    ctype = _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    part = Message()
    if name.isascii():
        part["Content-Type"] = f'{ctype};\n name="{quote(name)}"'
        part["Content-Disposition"] = f'attachment;\n filename="{quote(name)}"'
    else:
        part["Content-Type"] = f'{ctype};\n name="{encoded_words(name)}"'
        part["Content-Disposition"] = f"attachment;\n filename*=utf-8''{pct(name, safe='')}"
    part["Content-Transfer-Encoding"] = "base64"
    part.set_payload(base64.encodebytes(data).decode("ascii"))
    return part


def encoded_words(text: str, max_bytes: int = 45) -> str:
    """``text`` as RFC 2047 encoded words (UTF-8, base64), each of whole characters and at most
    75 characters long, separated by spaces."""
    words, chunk = [], b""
    for ch in text:
        b = ch.encode("utf-8")
        if chunk and len(chunk) + len(b) > max_bytes:
            words.append(chunk)
            chunk = b""
        chunk += b
    if chunk:
        words.append(chunk)
    return " ".join(f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words)


def context(cfg: ChannelConfig) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cfg.cafile or None)


def send_email(cfg: ChannelConfig, msg: Outgoing) -> Answer:
    secrets = cfg.secrets()
    try:
        mail = build(cfg, msg)
        payload = mail.as_bytes(policy=mail.policy.clone(linesep="\r\n", refold_source="none"))
    except (ValueError, TypeError) as e:  # a header the email package refuses
        return Answer(False, ours("channels.answer.bad_message", secrets, error=e))
    try:
        ctx = context(cfg) if cfg.tls != "none" else None
        if cfg.tls == "ssl":
            conn = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=ctx)
        else:
            conn = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        try:
            return _deliver(cfg, conn, ctx, payload, secrets)
        finally:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()
    except smtplib.SMTPResponseException as e:
        return Answer(False, scrub(_reply(e.smtp_code, e.smtp_error), secrets))
    except TimeoutError:
        return Answer(False, ours("channels.answer.timeout", secrets, host=cfg.host, seconds=f"{cfg.timeout:g}"))
    except ssl.SSLError as e:
        return Answer(False, ours("channels.answer.tls", secrets, host=cfg.host, error=e.reason or e))
    except smtplib.SMTPException as e:  # no AUTH, the server hung up, every recipient refused
        return Answer(False, ours("channels.answer.failed", secrets, host=cfg.host, error=e))
    except OSError as e:
        return Answer(False, ours("channels.answer.no_connection", secrets, host=cfg.host, error=e.strerror or e))


def _deliver(cfg: ChannelConfig, conn: smtplib.SMTP, ctx: ssl.SSLContext | None, payload: bytes,
             secrets: tuple[str, ...]) -> Answer:
    conn.ehlo()
    if cfg.tls == "starttls":
        if not conn.has_extn("starttls"):
            return Answer(False, ours("channels.answer.no_starttls", secrets, host=cfg.host))
        conn.starttls(context=ctx)
        conn.ehlo()
    if cfg.username:
        conn.login(cfg.username, cfg.password)
    sender = parseaddr(cfg.sender)[1]
    code, reply = conn.mail(sender)
    if code != 250:
        conn.rset()
        return Answer(False, scrub(_reply(code, reply), secrets))
    refused = []
    for _, address in getaddresses(list(cfg.to)):
        code, reply = conn.rcpt(address)
        if code not in (250, 251):
            refused.append(f"{address}: {_reply(code, reply)}")
    if len(refused) == len(cfg.to):
        conn.rset()
        return Answer(False, scrub("; ".join(refused), secrets))
    code, reply = conn.data(payload)
    if refused:  # the server's reply to DATA, and our words for the recipients it refused
        return Answer(code == 250, ours("channels.answer.refused", secrets, reply=_reply(code, reply),
                                        addresses="; ".join(refused)))
    return Answer(code == 250, scrub(_reply(code, reply), secrets))


def _reply(code: int, reply: bytes | str) -> str:
    words = reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {words}"
