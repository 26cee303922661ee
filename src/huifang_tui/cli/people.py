"""``huifang user add|list|disable|enable|role``: the people who use the app and their roles
(admins only)."""

from __future__ import annotations

from collections.abc import Callable

from ..core.i18n import t
from .context import Context


def add_parsers(sub) -> None:  # noqa: ANN001
    from ..domain.words import ROLES

    pu = sub.add_parser("user", help=t("cli.user"))
    usub = pu.add_subparsers(dest="user_cmd", required=True, metavar="ACTION")
    pa = usub.add_parser("add", help=t("cli.user_add"))
    pa.add_argument("login")
    pa.add_argument("--role", required=True, choices=ROLES)
    pa.add_argument("--name", required=True)
    usub.add_parser("list", help=t("cli.user_list"))
    for action in ("disable", "enable"):
        usub.add_parser(action, help=t(f"users.cli_{action}")).add_argument("login")
    pro = usub.add_parser("role", help=t("users.cli_role"))
    pro.add_argument("login")
    pro.add_argument("role", choices=ROLES)


def user(ctx: Context) -> int:
    from ..services import users

    args, store, actor = ctx.args, ctx.store, ctx.actor
    if args.user_cmd == "add":
        u = users.add_user(store, actor, args.login, args.role, args.name)
        ctx.say(t("user.added", login=u.login, role=t(f"role.{u.role}"), name=u.name))
    elif args.user_cmd in ("disable", "enable"):
        u = users.set_active(store, actor, args.login, args.user_cmd == "enable")
        ctx.say(t(f"users.{args.user_cmd}d", login=u.login))
    elif args.user_cmd == "role":
        u = users.set_role(store, actor, args.login, args.role)
        ctx.say(t("users.role_set", login=u.login, role=t(f"role.{u.role}")))
    else:
        for u in users.list_users(store, actor):
            ctx.say(f"{u.login}\t{u.role}\t{u.name}\t{'' if u.active else '(inactive)'}")
    return 0


COMMANDS: dict[str, Callable[[Context], int]] = {"user": user}
