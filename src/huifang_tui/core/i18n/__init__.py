"""The one message catalog: every user-visible string goes through ``t()``.

Catalog files live in ``i18n/<lang>/*.toml`` (one file per area, merged into one flat
key space). zh_CN is the default; ``en`` via ``--lang en`` or ``LANG``. A key missing
from the current language falls back to zh_CN, then to the key itself.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

DEFAULT = "zh_CN"
LANGS = ("zh_CN", "en")
_HERE = Path(__file__).parent
_cache: dict[str, dict[str, str]] = {}
_lang = DEFAULT


def _flatten(d: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = str(v)
    return out


def catalog(lang: str) -> dict[str, str]:
    if lang not in _cache:
        files = sorted((_HERE / lang).glob("*.toml"))
        cached = _cached(lang, files)
        if cached is None:
            import tomllib  # only on a cache miss: start-up speed

            cached = {}
            for f in files:
                cached.update(_flatten(tomllib.loads(f.read_text(encoding="utf-8"))))
            _store_cache(lang, files, cached)
        _cache[lang] = cached
    return _cache[lang]


def _cache_file(lang: str, files: list[Path]) -> Path | None:
    """A JSON copy of the parsed catalog, keyed by the TOML files' sizes and mtimes (start-up:
    parsing TOML costs ~25 ms, JSON ~1 ms). The key is a CRC of that list: hashlib alone
    costs ~4 ms to import, more than reading the cache."""
    try:
        import zlib

        sig = "|".join(f"{f.name}:{f.stat().st_mtime_ns}:{f.stat().st_size}" for f in files)
        digest = f"{zlib.crc32(sig.encode()):08x}{len(sig):04x}"
        return _cache_dir() / f"catalog-{lang}-{digest}.json"
    except OSError:
        return None


def _cache_dir() -> Path:
    if os.name == "posix" and sys.platform != "darwin":  # XDG, as platformdirs says, without its import
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "huifang"
    import platformdirs

    return platformdirs.user_cache_path("huifang")


def _no_cache() -> bool:
    """The elevated process of a shared install never reads or writes the user's cache."""
    from .. import system

    return system.distrust_caller()


def _cached(lang: str, files: list[Path]) -> dict[str, str] | None:
    if _no_cache():
        return None
    path = _cache_file(lang, files)
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path else None
    except (OSError, ValueError):
        return None


def _store_cache(lang: str, files: list[Path], data: dict[str, str]) -> None:
    if _no_cache():
        return
    path = _cache_file(lang, files)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass


def detect(explicit: str | None = None) -> str:
    if explicit:
        return "en" if explicit.lower().startswith("en") else DEFAULT
    env = os.environ.get("HUIFANG_LANG") or os.environ.get("LANG", "")
    return "en" if env.lower().startswith("en") else DEFAULT


def set_lang(lang: str) -> None:
    global _lang
    _lang = lang if lang in LANGS else DEFAULT


def get_lang() -> str:
    return _lang


class in_lang:  # noqa: N801  (used as ``with in_lang("en"):``)
    """Render in another language for a while (a notification in its channel's language, issue
    26 item 6); the process's language is back afterwards."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else DEFAULT
        self.saved = DEFAULT

    def __enter__(self) -> str:
        global _lang
        self.saved, _lang = _lang, self.lang
        return self.lang

    def __exit__(self, *exc: object) -> None:
        global _lang
        _lang = self.saved


class Msg(str):
    """A catalog text that remembers its key and parameters: what the system stores for people
    (issue timelines, its notes, audit reasons) is stored as that code and shown in each
    reader's language (issue 22 item 9; :func:`encode`, :func:`render`)."""

    key: str = ""
    params: dict = {}


def _msg(text: str, key: str, params: dict) -> Msg:
    m = Msg(text)
    m.key, m.params = key, params
    return m


def t(key: str, **kw: object) -> str:
    text = catalog(_lang).get(key) or catalog(DEFAULT).get(key) or key
    return _msg(_format(text, kw), key, kw)


OR_LIST = "@or"  # the code of :func:`or_list`


def or_list(items: list[str]) -> str:
    """"a, b or c" in the current language, remembering its items (a :class:`Msg`)."""
    items = list(items)
    if len(items) < 2:
        text = "".join(items)
    else:
        text = t("join.sep").join(items[:-1]) + t("join.or") + items[-1]
    return _msg(text, OR_LIST, {"items": items})


def _enc(v: object) -> object:
    if isinstance(v, Msg) and v.key:
        return {"t": v.key, "p": {k: _enc(x) for k, x in v.params.items()}}
    if isinstance(v, (list, tuple)):
        return [_enc(x) for x in v]
    if v is None or isinstance(v, (bool, int, float)):
        return v
    return str(v)


def encode(message: str) -> dict | None:
    """``{"code": key, "params": {...}}`` of a text made by :func:`t` (parameters that are
    catalog texts themselves nested as ``{"t": key, "p": {...}}``); None for other text."""
    if isinstance(message, Msg) and message.key:
        return {"code": message.key, "params": {k: _enc(x) for k, x in message.params.items()}}
    return None


def _dec(v: object) -> object:
    if isinstance(v, dict) and isinstance(v.get("t"), str):
        return render(v["t"], v.get("p") or {})
    if isinstance(v, list):
        return [_dec(x) for x in v]
    return v


def render(code: str, params: dict | None = None) -> str:
    """A stored message code with its parameters, in the reader's language."""
    params = {k: _dec(v) for k, v in (params or {}).items()} if isinstance(params, dict) else {}
    if code == OR_LIST:
        return or_list([str(x) for x in params.get("items") or []])
    return t(code, **params)


def stored(code: str, params: str | dict | None, text: str = "") -> str:
    """What a stored entry says to this reader: its code rendered (``params`` a dict or its
    JSON), else its text as stored (what people typed; an old text nobody could read back)."""
    if not code:
        return text
    if isinstance(params, str):
        try:
            params = json.loads(params) if params else {}
        except ValueError:
            params = {}
    return render(code, params)


NOTE_CODE = "\x1e"  # a line of a stored note written by the system: NOTE_CODE + JSON of encode()


def note_line(message: str) -> str:
    """A system line for a stored note (e.g. ``callback.note``): the code, not the words."""
    code = encode(message)
    return NOTE_CODE + json.dumps(code, ensure_ascii=False) if code else message


def note_text(note: str) -> str:
    """A stored note for this reader: coded lines in their language, the rest as typed."""
    if NOTE_CODE not in (note or ""):
        return note
    out = []
    for line in note.split("\n"):
        if line.startswith(NOTE_CODE):
            try:
                c = json.loads(line[len(NOTE_CODE):])
                line = render(c["code"], c.get("params"))
            except (ValueError, KeyError, TypeError):
                line = line[len(NOTE_CODE):]
        out.append(line)
    return "\n".join(out)


def is_code(value: object) -> bool:
    """A stored ``{"code": …, "params": …}`` (what :func:`encode` gives)."""
    return isinstance(value, dict) and isinstance(value.get("code"), str) and set(value) <= {"code", "params"}


def t_or(key: str, fallback: str, **kw: object) -> str:
    """``t(key)`` when the catalog has ``key`` (e.g. a short form), else ``t(fallback)``."""
    text = catalog(_lang).get(key) or catalog(DEFAULT).get(key)
    return _format(text, kw) if text else t(fallback, **kw)


def _format(text: str, kw: dict) -> str:
    if kw:
        try:
            return text.format(**kw)
        except (KeyError, IndexError, ValueError):
            return text
    return text
