"""Email over SMTP (issue 26 item 2): STARTTLS or implicit TLS with a login, or plain to a
server on this machine.

The subject is the title, the body the lines (plain text, UTF-8), the attachment a real MIME part
(an .xlsx as ``application/vnd.openxmlformats-officedocument.spreadsheetml.sheet``), with Date and
Message-ID headers. The server's certificate is checked against the system's CAs, or ``cafile``
for a private CA. The answer is the server's reply to DATA (what it says it queued), or to the
command it refused; no connection, a timeout or a TLS failure is a failed answer, never raised.
"""

from __future__ import annotations

import mimetypes
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid, parseaddr

from ..core.i18n import in_lang, t
from .config import ChannelConfig
from .message import Answer, Outgoing, one_line, scrub

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TYPES = {".xlsx": XLSX, ".csv": "text/csv", ".pdf": "application/pdf"}


def build(cfg: ChannelConfig, msg: Outgoing) -> EmailMessage:
    """The message as it is sent."""
    mail = EmailMessage()
    mail["Subject"] = one_line(msg.title)
    mail["From"] = cfg.sender
    mail["To"] = ", ".join(cfg.to)
    mail["Date"] = formatdate(localtime=True)
    domain = parseaddr(cfg.sender)[1].rpartition("@")[2] or "huifang.invalid"
    mail["Message-ID"] = make_msgid(idstring=f"huifang.{msg.number}", domain=domain)
    lines = [str(x) for x in msg.lines]
    if msg.attachment is not None:  # the body names the file, once, in the channel's language
        with in_lang(cfg.lang):
            note = t("notify.attached", name=msg.attachment[0])
        if note not in lines:
            lines.append(note)
    mail.set_content("\n".join(lines) + "\n", charset="utf-8", cte="base64")  # 7-bit safe on any server
    if msg.attachment is not None:
        name, data = msg.attachment
        suffix = name[name.rfind("."):].lower() if "." in name else ""
        ctype = _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
        maintype, _, subtype = ctype.partition("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return mail


def context(cfg: ChannelConfig) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cfg.cafile or None)


def send_email(cfg: ChannelConfig, msg: Outgoing) -> Answer:
    secrets = cfg.secrets()
    try:
        mail = build(cfg, msg)
        payload = mail.as_bytes(policy=mail.policy.clone(linesep="\r\n"))
    except (ValueError, TypeError) as e:  # a header the email package refuses
        return Answer(False, scrub(t("channels.answer.bad_message", error=e), secrets))
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
        return Answer(False, scrub(t("channels.answer.timeout", host=cfg.host, seconds=f"{cfg.timeout:g}"), secrets))
    except ssl.SSLError as e:
        return Answer(False, scrub(t("channels.answer.tls", host=cfg.host, error=e.reason or e), secrets))
    except smtplib.SMTPException as e:  # no AUTH, the server hung up, every recipient refused
        return Answer(False, scrub(t("channels.answer.failed", host=cfg.host, error=e), secrets))
    except OSError as e:
        return Answer(False, scrub(t("channels.answer.no_connection", host=cfg.host, error=e.strerror or e), secrets))


def _deliver(cfg: ChannelConfig, conn: smtplib.SMTP, ctx: ssl.SSLContext | None, payload: bytes,
             secrets: tuple[str, ...]) -> Answer:
    conn.ehlo()
    if cfg.tls == "starttls":
        if not conn.has_extn("starttls"):
            return Answer(False, scrub(t("channels.answer.no_starttls", host=cfg.host), secrets))
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
    text = _reply(code, reply)
    if refused:
        text = f"{text}; {t('channels.answer.refused', addresses='; '.join(refused))}"
    return Answer(code == 250, scrub(text, secrets))


def _reply(code: int, reply: bytes | str) -> str:
    words = reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {words}"
