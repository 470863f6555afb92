"""`users`: create, list, disable and change the role of user accounts from the command line; a
click group that aim/cli.py attaches to `python -m aim` (it imports nothing from aim/cli.py).

Like the rest of the command line, every error a user can fix is one message on stderr that says
what to fix, with a non-zero exit status; never a traceback.
"""

from __future__ import annotations

import getpass
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import click
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from aim.auth import Role
from aim.cli_common import UserError, open_database
from aim.db import Database
from aim.passwords import check_password
from aim.services import users as accounts

T = TypeVar("T")
ROLE = click.Choice([role.value for role in Role])
DEPARTMENT_HELP = (
    "Code of a department the editor works for; repeat for several. Only for --role department_editor."
)


def _error(message: str) -> click.ClickException:
    return UserError(message)


@contextmanager
def _opened() -> Iterator[Database]:
    database = open_database()
    try:
        with database.engine.connect() as connection:
            if "users" not in inspect(connection).get_table_names():
                raise _error("The database has no user tables yet. Run: python -m aim db upgrade")
        yield database
    finally:
        database.dispose()


def _client_address() -> str:
    """Who ran the command, for the audit log: the operating-system account, as far as known."""
    try:
        return f"command line ({getpass.getuser()})"
    except Exception:  # no login name in the environment or the password database
        return "command line"


def _run(database: Database, change: Callable[[Session], T], *, write: bool = True) -> T:
    """Run one service call in its own transaction; an AccountError becomes the message to print."""
    try:
        with database.write() if write else database.read() as session:
            return change(session)
    except accounts.AccountError as exc:
        raise _error(str(exc)) from None


def _read_password(email: str, from_stdin: bool) -> str:
    if from_stdin:
        # Only the line ending is removed: spaces at either end may be part of a passphrase.
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise _error(
                "--password-stdin: standard input held no password; "
                "give it as one line, e.g. from a password manager."
            )
        problems = check_password(password, email=email)
        if problems:
            raise _error(" ".join(problems))
        return password

    def acceptable(value: str) -> str:
        problems = check_password(value, email=email)
        if problems:  # click prints the message and asks again
            raise click.BadParameter(" ".join(problems))
        return value

    try:
        with warnings.catch_warnings():
            # Without a terminal getpass warns, with a stack line, that it cannot hide the input;
            # its own one-line notice ("Password input may be echoed") says the same plainly.
            warnings.simplefilter("ignore", getpass.GetPassWarning)
            return click.prompt(
                "Password",
                hide_input=True,
                confirmation_prompt="Repeat the password",
                value_proc=acceptable,
                err=True,
            )
    except click.Abort:
        if sys.stdin.isatty():  # Ctrl-C at the prompt: the person chose to stop
            raise
        # Standard input ended before a password (and its repetition) came: no terminal to ask.
        raise _error(
            "No password was given: without a terminal to ask on, pass it as one line on standard "
            "input with --password-stdin, e.g. from a password manager: "
            "`pass show aim/ana | python -m aim users create --email ana@city.gov --role admin "
            "--password-stdin`."
        ) from None


@click.group(help="User accounts: create, list, disable, and change roles.")
def users() -> None:
    pass


@users.command(
    "create",
    help="Create an account. The password is asked twice without echo, or "
    "read as one line from standard input with --password-stdin.",
)
@click.option("--email", required=True, help="The person's email address; it is their login.")
@click.option("--role", required=True, type=ROLE)
@click.option("--department", "departments", multiple=True, metavar="CODE", help=DEPARTMENT_HELP)
@click.option("--name", "display_name", default="", help="The name shown in the app.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create(
    email: str, role: str, departments: tuple[str, ...], display_name: str, password_stdin: bool
) -> None:
    with _opened() as database:
        # All but the password first, so nobody types a password twice for a typo'd department.
        _run(database, lambda s: accounts.check_new_user(s, email, role, departments), write=False)
        password = _read_password(accounts.valid_email(email), password_stdin)
        user = _run(
            database,
            lambda s: accounts.create_user(
                s,
                email,
                password,
                role,
                departments,
                actor=None,
                client_address=_client_address(),
                display_name=display_name,
            ),
        )
    click.echo(f"Created {user.email} ({_role_text(user.role, user.department_codes)}).")


@users.command("list", help="Every account: email, role, departments, active, last login.")
def list_command() -> None:
    with _opened() as database:
        rows = _run(database, accounts.list_users, write=False)
    table = [("email", "role", "departments", "active", "last login (UTC)")]
    table += [
        (
            u.email,
            u.role,
            ",".join(u.department_codes) or "-",
            "yes" if u.is_active else "no",
            u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "never",
        )
        for u in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@users.command("disable", help="Disable an account and end all of its sessions.")
@click.option("--email", required=True)
def disable(email: str) -> None:
    with _opened() as database:
        user = _run(
            database, lambda s: accounts.disable_user(s, email, actor=None, client_address=_client_address())
        )
    click.echo(f"{user.email} is disabled; every session of the account has ended.")


@users.command("set-role", help="Change an account's role and, for editors, its departments.")
@click.option("--email", required=True)
@click.option("--role", required=True, type=ROLE)
@click.option("--department", "departments", multiple=True, metavar="CODE", help=DEPARTMENT_HELP)
def set_role(email: str, role: str, departments: tuple[str, ...]) -> None:
    with _opened() as database:
        user = _run(
            database,
            lambda s: accounts.set_role(
                s, email, role, departments, actor=None, client_address=_client_address()
            ),
        )
    click.echo(f"{user.email} is now {_role_text(user.role, user.department_codes)}.")


def _role_text(role: str, department_codes: list[str]) -> str:
    return f"{role} of {', '.join(department_codes)}" if department_codes else role
