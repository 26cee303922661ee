"""``huifang init --shared DIR --group AGENTS [--store-group G] [--admin LOGIN] [--install]``
(issue 14): the store's group and directory, the service account, the root-owned venv, the
system config, the notify file, the sudoers rule and the scheduler's units (or the steps for
root to run them)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..core import config
from ..core import system
from ..core.i18n import t
from . import units
from .elevation import EXIT_REFUSED

SUDOERS_FILE = Path("/etc/sudoers.d/huifang")
KEEP_ENV = ("LANG", "LC_*", "TERM", "COLORTERM", "TEXTUAL_COLOR_SYSTEM")


def add_init_options(pi) -> None:  # noqa: ANN001
    pi.add_argument("--store-group", default=system.DEFAULT_STORE_GROUP, metavar="G",
                    help=t("shared.opt_store_group"))
    pi.add_argument("--admin", metavar="LOGIN", help=t("shared.opt_admin"))
    pi.add_argument("--service-user", default=system.DEFAULT_SERVICE_USER, metavar="U",
                    help=t("shared.opt_service_user"))
    pi.add_argument("--install", action="store_true", help=t("shared.opt_install"))


class InitError(Exception):
    """A step of ``init --shared`` refused or failed: ``str()`` is the line said, ``code`` the
    exit status (2 refused, 1 otherwise)."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def init_shared(args) -> int:  # noqa: ANN001
    """``huifang init --shared``: the lines saying what was done, or the one line saying why not."""
    try:
        lines = _init_shared(args)
    except InitError as e:
        print(str(e), file=sys.stderr)
        return e.code
    print("\n".join(lines))
    return 0


def _init_shared(args) -> list[str]:  # noqa: ANN001, C901
    import grp
    import pwd

    if os.geteuid() != 0:
        raise InitError(t("shared.init.need_root"), EXIT_REFUSED)
    if not args.group:
        raise InitError(t("init.need_group"))
    try:
        grp.getgrnam(args.group)
    except KeyError:
        raise InitError(t("init.no_group", group=args.group)) from None
    store_group = args.store_group or system.DEFAULT_STORE_GROUP
    if store_group == args.group:
        raise InitError(t("shared.init.same_group", group=store_group))
    service_user = getattr(args, "service_user", None) or system.DEFAULT_SERVICE_USER
    login = args.admin or os.environ.get("SUDO_USER") or _os_login()
    try:
        pwd.getpwnam(login)
    except KeyError:
        raise InitError(t("shared.init.no_login", login=login)) from None

    lines: list[str] = []
    python = _python_for(args, lines)  # refused or installed before anything is created
    gid = _store_group(store_group, lines)
    if args.install:
        _service_user(service_user, store_group, lines)
    d = Path(args.shared).expanduser().absolute()
    old_conf = _old_config()
    d.parent.mkdir(parents=True, exist_ok=True)  # with the usual umask: others pass through
    old = os.umask(0o007)
    try:
        _store_dir(d, gid, store_group, lines)
        dbfile = d / "huifang.db"
        _store_file(dbfile, gid, login, args, lines)
    finally:
        os.umask(old)

    conf = system.SystemConfig(
        path=system.config_path(), database=dbfile, store_group=store_group,
        agents_group=args.group, python=python,
        timezone=(old_conf.timezone if old_conf and old_conf.timezone else machine_timezone()),
        service_user=service_user,
    )
    write_config(conf)
    lines.append(t("shared.init.config", path=conf.path, tz=conf.timezone or "-"))
    notify_file(conf, gid, lines)
    hours = _work_hours(dbfile)
    rule = sudoers_rule(conf)
    if args.install:
        install_sudoers(rule, SUDOERS_FILE)
        lines.append(t("shared.init.sudoers", path=SUDOERS_FILE, group=args.group))
        units.install(conf, hours, lines, _run)
        lines.append(t("shared.init.done", group=args.group))
    else:
        lines.append(t("shared.init.steps"))
        lines.extend(install_steps(conf, rule))
        lines.append(t("schedule.steps"))
        lines.extend(units.steps(conf, hours))
    if login not in grp.getgrgid(grp.getgrnam(args.group).gr_gid).gr_mem and \
            pwd.getpwnam(login).pw_gid != grp.getgrnam(args.group).gr_gid and login != "root":
        lines.append(t("shared.init.admin_not_agent", login=login, group=args.group))
    return lines


def _os_login() -> str:
    from ..core.identity import os_login

    return os_login()


def _store_group(name: str, lines: list[str]) -> int:
    """The store's group: created if missing; refused if any person is in it."""
    import grp
    import pwd

    try:
        g = grp.getgrnam(name)
    except KeyError:
        _run(["groupadd", "--system", name])
        lines.append(t("shared.init.group_created", group=name))
        return grp.getgrnam(name).gr_gid
    members = set(g.gr_mem) | {p.pw_name for p in pwd.getpwall() if p.pw_gid == g.gr_gid}
    if members:
        raise InitError(t("shared.init.group_has_members", group=name, members=", ".join(sorted(members))),
                        EXIT_REFUSED)
    return g.gr_gid


def _service_user(name: str, store_group: str, lines: list[str]) -> None:
    """The account the elevated process runs as (no login, no home, its own group): a person
    cannot signal, trace or stop a process of another uid."""
    import grp
    import pwd

    try:
        u = pwd.getpwnam(name)
    except KeyError:
        _run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
              "--shell", "/usr/sbin/nologin", name])
        lines.append(t("shared.init.service_created", user=name, group=store_group))
        return
    if u.pw_uid == 0 or u.pw_gid == grp.getgrnam(store_group).gr_gid:
        raise InitError(t("shared.init.service_bad", user=name, group=store_group), EXIT_REFUSED)
    lines.append(t("shared.init.service_kept", user=name))


def _store_dir(d: Path, gid: int, group: str, lines: list[str]) -> None:
    """Directory root:G 2770; what is already in it (an upgrade) moves to the group:
    database files 0660, anything else (backups) 0640, subdirectories 2770."""
    d.mkdir(parents=True, exist_ok=True)
    os.chown(d, 0, gid)
    os.chmod(d, 0o2770)
    for root, dirs, files in os.walk(d):
        for name in dirs:
            p = os.path.join(root, name)
            if not os.path.islink(p):
                os.lchown(p, -1, gid)
                os.chmod(p, 0o2770)
        for name in files:
            p = os.path.join(root, name)
            if os.path.islink(p):
                continue
            os.lchown(p, -1, gid)
            is_db = root == str(d) and name.startswith("huifang.db")
            os.chmod(p, 0o660 if is_db else 0o640)
    lines.append(t("init.dir", dir=d, group=group))


def _store_file(dbfile: Path, gid: int, login: str, args, lines: list[str]) -> None:  # noqa: ANN001
    from sqlmodel import select

    from ..services.base import Actor, Store
    from ..services.users import bootstrap_admin
    from ..store.models import User

    existed = dbfile.exists()
    store = Store(config.to_url(str(dbfile)))
    store.ensure_schema()
    for p in (dbfile, Path(f"{dbfile}-wal"), Path(f"{dbfile}-shm")):
        if p.exists():
            os.chown(p, 0, gid)
            os.chmod(p, 0o660)
    lines.append(t("init.db", db=dbfile, group=grp_name(gid)))
    with store.read() as s:
        has_users = s.exec(select(User)).first() is not None
    if has_users:
        if existed:
            lines.append(t("shared.init.kept", db=dbfile))
    else:
        u = bootstrap_admin(store, login, args.name or login)
        lines.append(t("init.admin", login=u.login, role=t(f"role.{u.role}")))
        if args.company:
            from ..services.calendar import set_company_name

            set_company_name(store, Actor(u.login, u.role, u.name), args.company)
            lines.append(t("init.company", company=args.company))
    store.engine.dispose()


def _work_hours(dbfile: Path):  # noqa: ANN202
    """The store's policy work hours (the planner timer runs across them)."""
    from ..services.base import SYSTEM, Store
    from ..services.calendar import work_hours

    store = Store(config.to_url(str(dbfile)))
    try:
        return work_hours(store, SYSTEM)
    finally:
        store.engine.dispose()


def notify_file(conf: system.SystemConfig, gid: int, lines: list[str]) -> None:
    """``notify.toml`` beside the system config (the notification channels, their secrets):
    written from the example when missing, root-owned, group the store's, 0640 — the service
    account reads it, no person does. An existing file is never overwritten."""
    from ..channels.config import FILE_NAME, example_text

    path = conf.path.parent / FILE_NAME
    if units.write_root_file(path, example_text(), 0o640, gid, replace=False):
        lines.append(t("schedule.notify_created", path=path, group=conf.store_group))
    else:
        lines.append(t("schedule.notify_kept", path=path))


def grp_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name


def _old_config() -> system.SystemConfig | None:
    try:
        return system.load()
    except system.SystemConfigError:
        return None


def machine_timezone() -> str:
    """The machine's zone name (/etc/timezone or the /etc/localtime link), else Asia/Shanghai."""
    try:
        name = Path("/etc/timezone").read_text(encoding="utf-8").strip()
        if name:
            return name
    except OSError:
        pass
    try:
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    return "Asia/Shanghai"


def write_config(conf: system.SystemConfig) -> None:
    """``/etc/huifang/config.toml``: root-owned, 0644 (people read where the store is)."""
    conf.path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    text = (
        "# Written by huifang init --shared. Root-owned: the elevated process trusts only this file.\n"
        f"database = {_q(conf.database)}\n"
        f"store_group = {_q(conf.store_group)}\n"
        f"agents_group = {_q(conf.agents_group)}\n"
        f"python = {_q(conf.python)}\n"
        f"timezone = {_q(conf.timezone)}\n"
        f"service_user = {_q(conf.service_user)}\n"
    )
    tmp = conf.path.with_name(f".{conf.path.name}.{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.chown(tmp, 0, 0)
    os.chmod(tmp, 0o644)
    tmp.replace(conf.path)


def _q(v: object) -> str:
    import json

    return json.dumps(str(v), ensure_ascii=False)


def sudoers_rule(conf: system.SystemConfig) -> str:
    py = str(conf.python)
    keep = " ".join(KEEP_ENV)
    return (
        "# huifang: the agents' group runs the app as its service account with the store's group\n"
        "# (huifang init --shared). closefrom_override lets the person's own huifang hand it the\n"
        "# one descriptor it reads and writes the person's files through.\n"
        f'Defaults!{py} env_reset, env_keep = "{keep}", !env_check, !setenv, closefrom_override\n'
        f"%{conf.agents_group} ALL = ({conf.service_user} : {conf.store_group}) NOPASSWD: "
        f"{py} -I -m huifang_tui, {py} -I -m huifang_tui *\n"
    )


def install_sudoers(rule: str, target: Path) -> None:
    """Write the rule where visudo checks it first; only a valid file is put in place."""
    visudo = shutil.which("visudo") or "/usr/sbin/visudo"
    if not os.path.exists(visudo):
        raise InitError(t("shared.err.no_sudo", sudo="visudo"), EXIT_REFUSED)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".huifang", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(rule)
        os.chmod(tmp, 0o440)
        r = subprocess.run([visudo, "-c", "-q", "-f", tmp], capture_output=True, text=True)
        if r.returncode != 0:
            raise InitError(t("shared.init.visudo_failed", error=(r.stderr or r.stdout).strip()))
        os.replace(tmp, target)
        r = subprocess.run([visudo, "-c", "-q"], capture_output=True, text=True)
        if r.returncode != 0:
            target.unlink(missing_ok=True)
            raise InitError(t("shared.init.visudo_failed", error=(r.stderr or r.stdout).strip()))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _python_for(args, lines: list[str]) -> Path:  # noqa: ANN001
    """The interpreter the sudoers rule names: the root-owned venv this command runs from, else
    ``/opt/huifang/venv`` (created by ``--install``). ``--install`` also links the command into
    /usr/local/bin."""
    prefix = Path(sys.prefix)
    in_place = prefix != Path(sys.base_prefix) and system.root_owned(prefix) \
        and usable_by_everyone(prefix / "bin" / "python")
    venv = prefix if in_place else system.DEFAULT_PREFIX / "venv"
    py = venv / "bin" / "python"
    if py.exists() and not usable_by_everyone(py):
        raise InitError(t("shared.init.python_private", venv=venv, python=os.path.realpath(py)))
    if args.install:
        if not in_place:
            install_venv(venv, lines)
        link = link_command(venv)
        lines.append(t("shared.init.venv", venv=venv, link=link))
    return venv / "bin" / "python"


def usable_by_everyone(path: Path) -> bool:
    """Every directory on the way to the real file is searchable, the file readable and
    executable by others (an interpreter under /root is not)."""
    real = Path(os.path.realpath(path))
    try:
        st = os.stat(real)
    except OSError:
        return False
    if (st.st_mode & 0o005) != 0o005:
        return False
    for parent in real.parents:
        try:
            if not os.stat(parent).st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


def _base_python() -> str:
    for cand in ("/usr/bin/python3", sys._base_executable if hasattr(sys, "_base_executable") else sys.executable):
        if cand and usable_by_everyone(Path(cand)):
            r = subprocess.run([cand, "-c", "import sys; print(sys.version_info >= (3, 11))"],
                               capture_output=True, text=True)
            if r.stdout.strip() == "True":
                return cand
    raise InitError(t("shared.init.no_python"))


def source_tree() -> Path | None:
    root = Path(__file__).resolve().parents[3]
    return root if (root / "pyproject.toml").is_file() and (root / "src" / "huifang_tui").is_dir() else None


def install_venv(venv: Path, lines: list[str]) -> None:
    src = source_tree()
    if src is None:
        raise InitError(t("shared.init.no_source"))
    venv.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    os.chmod(venv.parent, 0o755)
    if not (venv / "bin" / "python").exists():
        _run([_base_python(), "-m", "venv", str(venv)])
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--upgrade", str(src)])
    _run(["chmod", "-R", "go-w", str(venv)])
    _run(["chown", "-R", "root:root", str(venv)])


def link_command(venv: Path) -> Path:
    link = Path("/usr/local/bin/huifang")
    if link.is_symlink() or not link.exists():
        link.unlink(missing_ok=True)
        link.symlink_to(venv / "bin" / "huifang")
    return link


def install_steps(conf: system.SystemConfig, rule: str) -> list[str]:
    """What ``--install`` would do, as commands for root to run."""
    venv = conf.python.parent.parent
    out = []
    if not conf.python.exists():
        out += [
            f"  /usr/bin/python3 -m venv {venv}",
            f"  {venv}/bin/pip install {source_tree() or '/path/to/huifang-tui'}",
            f"  chmod -R go-w {venv}",
        ]
    out += [
        f"  id -u {conf.service_user} >/dev/null 2>&1 || useradd --system --user-group --no-create-home "
        f"--home-dir /nonexistent --shell /usr/sbin/nologin {conf.service_user}",
        f"  ln -sf {venv}/bin/huifang /usr/local/bin/huifang",
        f"  cat > /tmp/huifang.sudoers <<'EOF'\n{rule}EOF",
        f"  visudo -c -f /tmp/huifang.sudoers && install -m 0440 /tmp/huifang.sudoers {SUDOERS_FILE}",
        "  visudo -c",
    ]
    return out


def _run(cmd: list[str]) -> None:
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise InitError(t("shared.init.cmd_failed", cmd=" ".join(cmd), error=(r.stderr or r.stdout).strip()))


