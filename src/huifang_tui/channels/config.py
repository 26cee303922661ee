"""The channels as the admin configures them: the notify file (issue 26 items 2 and 5).

A TOML file of ``[channel.NAME]`` tables (``example_text()`` shows each kind). It holds the
channels' secrets (a robot's webhook URL carries its token, a DingTalk/Feishu signing secret, the
SMTP password), so who may own and read it is checked before it is read:

- on a shared install (the elevated process, or a machine with ``/etc/huifang/config.toml`` and
  no file of the user's own), ``<dir of the system config>/notify.toml``: owned by root, group the
  store's group, mode 0640 or stricter, every directory above it root's — the service account
  and the elevated process read it through the group, no person can;
- elsewhere ``HUIFANG_NOTIFY_FILE`` (never in the elevated process), else
  ``<user config dir>/huifang/notify.toml``: the user's own, readable by them alone (0600).

A file that fails these is refused (``ChannelConfigError.unsafe``: the command line exits 2); a
file with bad content names the channel and the field (exit 1). A missing file is no channels,
except when ``HUIFANG_NOTIFY_FILE`` names it or the caller needs it (``required``, e.g. to test a
channel): then it is an error saying that the file does not exist and how to make it (exit 1),
never "no such channel". A robot's URL must have its type's shape (DingTalk ``/robot/send`` with
``access_token``, WeCom ``/cgi-bin/webhook/send`` with ``key``, Feishu
``/open-apis/bot/v2/hook/<token>``), on any host (a gateway may stand in for the robot's).
Secrets never leave this module's objects in text: ``describe`` shows the type and the host,
``ChannelConfig.secrets()`` lists what ``message.scrub`` hides in a server's answer.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus, urlsplit

from ..core import system
from ..core.errors import Refused, ServiceError
from ..core.i18n import t

TYPES = ("email", "dingtalk", "wecom", "feishu")
ROBOTS = ("dingtalk", "wecom", "feishu")
LANGS = ("zh_CN", "en")
TLS_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
DEFAULT_TIMEOUT = 15.0
MAX_TIMEOUT = 300.0
MAX_RECIPIENTS = 50
FILE_NAME = "notify.toml"
ENV_FILE = "HUIFANG_NOTIFY_FILE"
MAX_FILE_BYTES = 256 * 1024
_NAME = re.compile(r"^[\w.-]{1,40}$")
_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+$")

_COMMON = ("type", "lang", "timeout")
_FIELDS = {
    "email": _COMMON + ("host", "port", "tls", "username", "password", "sender", "to", "cafile"),
    "dingtalk": _COMMON + ("url", "secret", "proxy"),
    "wecom": _COMMON + ("url", "proxy"),  # WeCom does not sign: the key in the URL is the secret
    "feishu": _COMMON + ("url", "secret", "proxy"),
}


class ChannelConfigError(Exception):
    """The notify file cannot be used: a catalog key and its placeholders. ``unsafe`` when its
    owner or mode is wrong (a refusal, exit 2); otherwise its content is wrong (exit 1)."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    @property
    def unsafe(self) -> bool:
        return self.key.startswith("channels.err.unsafe")

    def message(self) -> str:
        return t(self.key, **self.params)

    def __str__(self) -> str:
        return self.message()

    def as_error(self) -> ServiceError:
        """The error the command line shows: ``Refused`` (exit 2) or ``ServiceError`` (exit 1)."""
        return (Refused if self.unsafe else ServiceError)(self.message())


@dataclass(frozen=True)
class ChannelConfig:
    name: str
    type: str
    lang: str = "zh_CN"
    timeout: float = DEFAULT_TIMEOUT
    # the robots
    url: str = ""
    secret: str = ""
    proxy: str = ""  # an HTTP proxy to reach the robot through (never taken from the environment)
    # email
    host: str = ""
    port: int = 0
    tls: str = "starttls"
    username: str = ""
    password: str = field(default="", repr=False)
    sender: str = ""
    to: tuple[str, ...] = ()
    cafile: str = ""

    def __repr__(self) -> str:  # never the secrets, whatever prints it
        return f"ChannelConfig({self.name!r}, {describe(self)!r})"

    @property
    def is_robot(self) -> bool:
        return self.type in ROBOTS

    def secrets(self) -> tuple[str, ...]:
        """Everything that must not appear in a text shown or stored: the signing secret, the
        password, the webhook URL and the token in it, as written and URL-encoded."""
        found = [self.secret, self.password]
        if self.proxy:
            proxy = urlsplit(self.proxy)
            found.extend((proxy.password or "", proxy.netloc if proxy.password else ""))
        if self.url:
            found.append(self.url)
            parts = urlsplit(self.url)
            for pair in parts.query.split("&"):
                _, _, value = pair.partition("=")
                found.append(value)
            found.extend(seg for seg in parts.path.split("/") if len(seg) >= 16)
        out: list[str] = []
        for s in found:
            if s:
                out.extend((s, quote(s, safe=""), quote_plus(s)))
        return tuple(dict.fromkeys(out))


# -- where the file is, and whether it may be read --------------------------------------------

def notify_file() -> Path:
    """The notify file this process reads (see the module's text)."""
    conf = system.locked()
    if conf is not None:
        return conf.path.parent / FILE_NAME
    env = os.environ.get(ENV_FILE, "")  # never read in the elevated process (returned above)
    if env:
        return Path(env).expanduser()
    own = user_file()
    if own.exists():
        return own
    try:
        shared = system.load()
    except system.SystemConfigError:
        shared = None
    if shared is not None:
        return shared.path.parent / FILE_NAME
    return own


def named_by_environment(path: Path) -> bool:
    """Whether ``path`` is the file ``HUIFANG_NOTIFY_FILE`` names (and this process reads it)."""
    env = os.environ.get(ENV_FILE, "")
    return bool(env) and system.locked() is None and Path(env).expanduser() == path


def user_file() -> Path:
    import platformdirs  # imported on use, as core.config does

    return platformdirs.user_config_path("huifang") / FILE_NAME


def shared_conf_for(path: Path) -> system.SystemConfig | None:
    """The system config when ``path`` is the shared install's notify file, else None."""
    conf = system.locked()
    if conf is None:
        try:
            conf = system.load()
        except system.SystemConfigError:
            conf = None
    if conf is not None and path == conf.path.parent / FILE_NAME:
        return conf
    return None


def check_owner(st: os.stat_result, path: Path, *, shared: bool, store_gid: int | None, group: str,
                uid: int) -> None:
    """Refuse a notify file whose owner or mode would let the wrong people read or change it.

    Shared: root's, group the store's, 0640 or stricter. A user's: ``uid``'s, 0600 or stricter."""
    if not stat.S_ISREG(st.st_mode):
        raise ChannelConfigError("channels.err.unsafe_not_file", path=path)
    if shared:
        if st.st_uid != 0 or store_gid is None or st.st_gid != store_gid or st.st_mode & 0o037:
            raise ChannelConfigError("channels.err.unsafe_shared", path=path, group=group)
    elif st.st_uid != uid or st.st_mode & 0o077:
        raise ChannelConfigError("channels.err.unsafe_user", path=path)


def read_checked(path: Path, shared_conf: system.SystemConfig | None = None) -> str | None:
    """The file's text after its owner and mode were checked on the open file (no race with a
    rename), or None when it does not exist."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as e:
        if e.errno == errno.ELOOP:  # a symbolic link
            raise ChannelConfigError("channels.err.unsafe_not_file", path=path) from None
        raise ChannelConfigError("channels.err.unreadable", path=path, error=e.strerror or e) from None
    try:
        st = os.fstat(fd)
        if shared_conf is not None:
            check_owner(st, path, shared=True, store_gid=shared_conf.store_gid(), group=shared_conf.store_group,
                        uid=os.geteuid())
            if not system.root_owned(path.parent):
                raise ChannelConfigError("channels.err.unsafe_shared", path=path, group=shared_conf.store_group)
        else:
            check_owner(st, path, shared=False, store_gid=None, group="", uid=os.geteuid())
        if st.st_size > MAX_FILE_BYTES:
            raise ChannelConfigError("channels.err.too_big", path=path, limit=MAX_FILE_BYTES // 1024)
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    except OSError as e:
        raise ChannelConfigError("channels.err.unreadable", path=path, error=e.strerror or e) from None
    finally:
        os.close(fd)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as e:
        raise ChannelConfigError("channels.err.bad_toml", path=path, error=e) from None


def load_channels(path: Path | None = None, *, required: bool = False) -> dict[str, ChannelConfig]:
    """The channels of the notify file (``notify_file()`` when no path is given), by name. A file
    that does not exist is no channels, unless it is ``required`` or ``HUIFANG_NOTIFY_FILE``
    named it: then ``channels.err.missing_*`` (exit 1) says where it was looked for."""
    import tomllib

    path = path or notify_file()
    shared = shared_conf_for(path)
    text = read_checked(path, shared)
    if text is None:
        if required or named_by_environment(path):
            if shared is not None:
                raise ChannelConfigError("channels.err.missing_shared", path=path, group=shared.store_group)
            raise ChannelConfigError("channels.err.missing_user", path=path)
        return {}
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ChannelConfigError("channels.err.bad_toml", path=path, error=e) from None
    return parse(data, path)


def parse(data: dict, path: Path | str = FILE_NAME) -> dict[str, ChannelConfig]:
    """The channels of a parsed notify file, each field checked."""
    for key in data:
        if key != "channel":
            raise ChannelConfigError("channels.err.top_unknown", path=path, entry=key)
    tables = data.get("channel", {})
    if not isinstance(tables, dict):
        raise ChannelConfigError("channels.err.top_unknown", path=path, entry="channel")
    out: dict[str, ChannelConfig] = {}
    for name, table in tables.items():
        if not _NAME.match(name):
            raise ChannelConfigError("channels.err.bad_name", path=path, name=name)
        if not isinstance(table, dict):
            raise ChannelConfigError("channels.err.not_table", path=path, name=name)
        out[name] = _channel(name, table)
    return out


def _channel(name: str, table: dict) -> ChannelConfig:
    kind = table.get("type")
    if kind not in TYPES:
        raise ChannelConfigError("channels.err.field_bad", name=name, field="type", expected=" | ".join(TYPES))
    allowed = _FIELDS[kind]
    for key in table:
        if key not in allowed:
            raise ChannelConfigError("channels.err.field_unknown", name=name, field=key, kind=kind,
                                     allowed=", ".join(allowed))
    lang = _text(name, table, "lang", default="zh_CN")
    if lang not in LANGS:
        raise ChannelConfigError("channels.err.field_bad", name=name, field="lang", expected=" | ".join(LANGS))
    timeout = table.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= MAX_TIMEOUT:
        raise ChannelConfigError("channels.err.field_bad", name=name, field="timeout",
                                 expected=t("channels.expect.seconds", max=int(MAX_TIMEOUT)))
    if kind in ROBOTS:
        url = _text(name, table, "url", required=True)
        _check_url(name, url)
        _check_shape(name, kind, url)
        proxy = _text(name, table, "proxy")
        if proxy and not _proxy_ok(proxy):
            raise ChannelConfigError("channels.err.field_bad", name=name, field="proxy", expected=t("channels.expect.proxy"))
        return ChannelConfig(name, kind, lang, float(timeout), url=url, secret=_text(name, table, "secret"), proxy=proxy)
    return _email(name, table, lang, float(timeout))


def _email(name: str, table: dict, lang: str, timeout: float) -> ChannelConfig:
    host = _text(name, table, "host", required=True)
    if any(ch.isspace() or ch in "/@" for ch in host):
        raise ChannelConfigError("channels.err.field_bad", name=name, field="host", expected=t("channels.expect.host"))
    tls = _text(name, table, "tls", default="starttls")
    if tls not in TLS_MODES:
        raise ChannelConfigError("channels.err.field_bad", name=name, field="tls", expected=" | ".join(TLS_MODES))
    port = table.get("port", DEFAULT_PORTS[tls])
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ChannelConfigError("channels.err.field_bad", name=name, field="port", expected="1–65535")
    username = _text(name, table, "username")
    password = _text(name, table, "password")
    if bool(username) != bool(password):
        raise ChannelConfigError("channels.err.login_half", name=name)
    if password and tls == "none" and not _loopback(host):
        raise ChannelConfigError("channels.err.login_plain", name=name)
    sender = _text(name, table, "sender", required=True)
    if not _address(sender):
        raise ChannelConfigError("channels.err.field_bad", name=name, field="sender", expected=t("channels.expect.address"))
    raw_to = table.get("to")
    to = [raw_to] if isinstance(raw_to, str) else raw_to
    if not isinstance(to, list) or not to or len(to) > MAX_RECIPIENTS or not all(
            isinstance(a, str) and _ADDRESS.match(a.strip()) for a in to):
        raise ChannelConfigError("channels.err.field_bad", name=name, field="to",
                                 expected=t("channels.expect.addresses", max=MAX_RECIPIENTS))
    cafile = _text(name, table, "cafile")
    if cafile and not Path(cafile).is_file():
        raise ChannelConfigError("channels.err.cafile_missing", name=name, path=cafile)
    return ChannelConfig(name, "email", lang, timeout, host=host, port=port, tls=tls, username=username,
                         password=password, sender=sender, to=tuple(a.strip() for a in to), cafile=cafile)


def _text(name: str, table: dict, key: str, *, default: str = "", required: bool = False) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or any(ord(ch) < 32 or ord(ch) == 0x7F for ch in value):
        raise ChannelConfigError("channels.err.field_bad", name=name, field=key, expected=t("channels.expect.text"))
    value = value.strip()
    if required and not value:
        raise ChannelConfigError("channels.err.field_missing", name=name, field=key)
    return value


def _address(sender: str) -> bool:
    from email.utils import parseaddr

    return bool(_ADDRESS.match(parseaddr(sender)[1]))


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _proxy_ok(proxy: str) -> bool:
    try:
        parts = urlsplit(proxy)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return False
    return parts.scheme == "http" and bool(parts.hostname) and parts.path in ("", "/")


def _check_url(name: str, url: str) -> None:
    """A webhook URL: https (the token travels in it), or http to this machine only."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        host, parts = "", None
    if parts is None or not host or parts.scheme not in ("https", "http") or parts.username or parts.password:
        raise ChannelConfigError("channels.err.field_bad", name=name, field="url", expected=t("channels.expect.url"))
    if parts.scheme == "http" and not _loopback(host):
        raise ChannelConfigError("channels.err.url_plain", name=name)


# What each robot's webhook looks like (the path's end, the query's token), whatever the host:
# the tests' servers are on 127.0.0.1 and a gateway may stand in for the robot's own host.
URL_SHAPES = {
    "dingtalk": "https://oapi.dingtalk.com/robot/send?access_token=…",
    "wecom": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
    "feishu": "https://open.feishu.cn/open-apis/bot/v2/hook/…",
}
_FEISHU_HOOK = re.compile(r"/open-apis/bot/v2/hook/[^/]+/?$")


def url_kind(url: str) -> str | None:
    """Which robot's webhook ``url`` has the shape of, or None."""
    parts = urlsplit(url)
    query = {k: v for k, _, v in (pair.partition("=") for pair in parts.query.split("&"))}
    path = parts.path.rstrip("/")
    if path.endswith("/robot/send") and query.get("access_token"):
        return "dingtalk"
    if path.endswith("/cgi-bin/webhook/send") and query.get("key"):
        return "wecom"
    if _FEISHU_HOOK.search(parts.path):
        return "feishu"
    return None


def _check_shape(name: str, kind: str, url: str) -> None:
    """A robot's URL of its own type's shape: a WeCom URL in a DingTalk channel is refused,
    naming both types, rather than failing at every send."""
    found = url_kind(url)
    if found == kind:
        return
    if found is not None:
        raise ChannelConfigError("channels.err.url_other", name=name, kind=kind, type=t(f"channels.type.{kind}"),
                                 other=t(f"channels.type.{found}"), shape=URL_SHAPES[kind])
    raise ChannelConfigError("channels.err.url_shape", name=name, type=t(f"channels.type.{kind}"),
                             shape=URL_SHAPES[kind])


# -- shown to people ---------------------------------------------------------------------------

def describe(cfg: ChannelConfig) -> str:
    """The channel in a few words: its type and server, never a secret (a robot's URL carries
    its token, so only its host is shown)."""
    kind = t(f"channels.type.{cfg.type}")
    if cfg.is_robot:
        return t("channels.describe.robot", type=kind, host=urlsplit(cfg.url).hostname or "", lang=cfg.lang)
    return t("channels.describe.email", type=kind, host=cfg.host, port=cfg.port, tls=cfg.tls,
             to=", ".join(cfg.to), lang=cfg.lang)


def example_text() -> str:
    """A notify file with one commented example of each channel type, in the current language:
    what ``huifang init --shared`` installs when there is none, and the README shows. As is, it
    configures no channel (every example line is a comment)."""
    lines = [f"# {t('channels.example.head')}", f"# {t('channels.example.modes')}",
             f"# {t('channels.example.routes')}", ""]
    blocks = [
        ("channels.example.email", [
            '[channel.gm-mail]', 'type = "email"', 'lang = "zh_CN"', 'host = "smtp.example.com"',
            'port = 465', 'tls = "ssl"              # starttls | ssl | none', 'username = "huifang@example.com"',
            'password = "..."', 'sender = "回访台 <huifang@example.com>"', 'to = ["gm@example.com"]']),
        ("channels.example.dingtalk", [
            '[channel.team-dingtalk]', 'type = "dingtalk"',
            'url = "https://oapi.dingtalk.com/robot/send?access_token=..."', 'secret = "SEC..."']),
        ("channels.example.wecom", [
            '[channel.supervisors-wecom]', 'type = "wecom"',
            'url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=..."']),
        ("channels.example.feishu", [
            '[channel.heads-feishu]', 'type = "feishu"', 'lang = "en"',
            'url = "https://open.feishu.cn/open-apis/bot/v2/hook/..."', 'secret = "..."']),
    ]
    for key, body in blocks:
        lines.append(f"# {t(key)}")
        lines.extend(f"# {line}" for line in body)
        lines.append("")
    return "\n".join(lines)
