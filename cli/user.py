"""`lat user add|list|remove|passwd|revoke`: exit 0 on success, 2 with one line on a user error."""

from __future__ import annotations

import argparse
import getpass
import sys

from app.scope import ROLES
from cli.danish import LANGUAGE, help_text
from cli.options import with_db

HELP = help_text("user")


def add_parser(sub: argparse._SubParsersAction) -> None:
    user = sub.add_parser("user", help=HELP)
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help=help_text("user_add"), parents=[with_db()])
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=list(ROLES))
    add.add_argument("--municipality", action="append", default=[])
    add.add_argument("--worker-id")
    user_sub.add_parser("list", help=help_text("user_list"), parents=[with_db()])
    remove = user_sub.add_parser("remove", help=help_text("user_remove"), parents=[with_db()])
    remove.add_argument("name")
    passwd = user_sub.add_parser("passwd", help=help_text("user_passwd"), parents=[with_db()])
    passwd.add_argument("name")
    revoke = user_sub.add_parser("revoke", help=help_text("user_revoke"), parents=[with_db()])
    revoke.add_argument("name")


def read_new_password(stdin=None) -> str:
    """A new password from a prompt (asked twice) or the first line of a non-terminal stdin."""
    from app.accounts import AccountError, check_password

    stream = stdin or sys.stdin
    if stream.isatty():
        first = getpass.getpass("Ny adgangskode: ")
        if first != getpass.getpass("Gentag adgangskoden: "):
            raise AccountError("De to adgangskoder er ikke ens.")
        password = first
    else:
        password = stream.readline().rstrip("\r\n")
    check_password(password)
    return password


def _describe(account) -> str:
    where = ",".join(account.municipalities) or "-"
    return f"{account.name:<24} {account.role:<12} {where:<16} {account.worker_id or '-'}"


def _add(store, args: argparse.Namespace) -> str:
    from app.accounts import AccountError, make_account, worker_exists
    from warehouse.db import db_path

    account = make_account(args.name, args.role, args.municipality, args.worker_id)
    if store.get(account.name) is not None:
        raise AccountError(f"Brugeren {account.name!r} findes allerede.")
    db = db_path(args.db)
    if account.worker_id is not None and not worker_exists(db, account.worker_id):
        raise AccountError(f"Medarbejderen {account.worker_id!r} findes ikke i datalageret {db}.")
    store.add(account, read_new_password())
    from texts import text

    role = text(f"auth.{account.role}", "da")  # the role in words, not its code
    return f"Brugeren {account.name} er oprettet med rollen {role}."


def _list(store, args: argparse.Namespace) -> str:
    accounts = store.list()
    if not accounts:
        return "Ingen brugere endnu. Opret en med: lat user add NAVN --role ROLLE"
    header = f"{'navn':<24} {'rolle':<12} {'kommuner':<16} medarbejder-id"
    locked = {a.name for a in accounts if store.locked_until(a.name) is not None}
    lines = [_describe(a) + ("  (låst)" if a.name in locked else "") for a in accounts]
    return "\n".join([header, *lines])


def _remove(store, args: argparse.Namespace) -> str:
    from app.accounts import AccountError, normalise_name

    if not store.remove(args.name):
        raise AccountError(f"Brugeren {normalise_name(args.name)!r} findes ikke.")
    return f"Brugeren {normalise_name(args.name)} er slettet."


def _passwd(store, args: argparse.Namespace) -> str:
    from app.accounts import AccountError, normalise_name

    if store.get(args.name) is None:
        raise AccountError(f"Brugeren {normalise_name(args.name)!r} findes ikke.")
    store.set_password(args.name, read_new_password())
    return f"Adgangskoden for {normalise_name(args.name)} er skiftet; dens sessioner er afsluttet."


def _revoke(store, args: argparse.Namespace) -> str:
    from app.accounts import AccountError, normalise_name

    if store.get(args.name) is None:
        raise AccountError(f"Brugeren {normalise_name(args.name)!r} findes ikke.")
    from texts import plural

    ended = store.revoke(args.name)
    return plural("cli.user.revoked", ended, LANGUAGE, name=normalise_name(args.name))


SUBCOMMANDS = {
    "add": _add,
    "list": _list,
    "remove": _remove,
    "passwd": _passwd,
    "revoke": _revoke,
}


def run(args: argparse.Namespace) -> int:
    import sqlite3

    from app.accounts import AccountError, open_store, where_files_live
    from warehouse.db import db_path

    try:
        db = db_path(args.db)
        print(where_files_live(db))
        store = open_store(db)
        print(SUBCOMMANDS[args.user_command](store, args))
    except AccountError as error:
        print(f"Fejl: {error}", file=sys.stderr)
        return 2
    except (OSError, sqlite3.Error) as error:
        print(f"Fejl: brugerfilen kan ikke bruges ({type(error).__name__}).", file=sys.stderr)
        return 2
    return 0
