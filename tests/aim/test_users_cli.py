"""The `users` command group, run as an operator runs it, reading AIM_* from the environment and the
password from a prompt or standard input: in this process through tests/cli.py (the same entry
point as `python -m aim`), and as a real subprocess where the subject is having no terminal."""

from __future__ import annotations

import pytest

from aim import migrate
from aim.services import users as accounts
from tests import builders as b
from tests.accounts import PASSWORD
from tests.cli import Ran, run_aim, run_aim_process


def run_users(*args: str, db_url: str, stdin: str = "") -> Ran:
    return run_aim("users", *args, env={"AIM_DATABASE_URL": db_url}, stdin=stdin)


def _create(db_url: str, email: str, role: str, *departments: str) -> Ran:
    flags = [arg for code in departments for arg in ("--department", code)]
    return run_users(
        "create",
        "--email",
        email,
        "--role",
        role,
        *flags,
        "--password-stdin",
        db_url=db_url,
        stdin=PASSWORD + "\n",
    )


def _list(db_url: str) -> list[list[str]]:
    result = run_users("list", db_url=db_url)
    assert result.returncode == 0, result.stderr
    return [line.split() for line in result.stdout.splitlines()[1:]]


# How the command prompts and what it refuses before touching an account do not depend on the
# database: those tests run on SQLite only (the others, which write accounts, on both).
PROMPTS_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _refused(result: Ran, message: str) -> bool:
    return (
        result.returncode != 0
        and message in result.stderr
        and "Traceback" not in result.stderr
        and result.stdout == ""
    )


@pytest.fixture
def police(database) -> None:
    with database.write() as s:
        b.department(s, "MPD", "Police")


def test_create_with_password_stdin_creates_an_account_that_can_sign_in(database, db_url):
    result = _create(db_url, "Ana@City.gov", "budget_analyst")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Created ana@city.gov (budget_analyst).\n"
    with database.write() as s:
        assert accounts.authenticate(s, "ana@city.gov", PASSWORD, client_address="t") is not None


@PROMPTS_ONLY
def test_create_asks_for_the_password_twice_when_not_given_on_stdin(database, db_url):
    result = run_users(
        "create",
        "--email",
        "ana@city.gov",
        "--role",
        "admin",
        db_url=db_url,
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.returncode == 0, result.stderr
    assert "Password" in result.stderr and "Repeat the password" in result.stderr
    assert PASSWORD not in result.stdout + result.stderr


@PROMPTS_ONLY
def test_create_refuses_two_different_passwords_at_the_prompt(database, db_url):
    result = run_users(
        "create",
        "--email",
        "ana@city.gov",
        "--role",
        "admin",
        db_url=db_url,
        stdin=f"{PASSWORD}\n{PASSWORD}x\n",
    )
    assert result.returncode != 0 and "do not match" in result.stderr
    assert _list(db_url) == []


@PROMPTS_ONLY
def test_create_asks_again_after_a_weak_password_at_the_prompt(database, db_url):
    result = run_users(
        "create",
        "--email",
        "ana@city.gov",
        "--role",
        "admin",
        db_url=db_url,
        stdin=f"hunter2\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.returncode == 0, result.stderr
    assert "at least 15 characters" in result.stderr


@PROMPTS_ONLY
def test_create_refuses_a_weak_password_from_stdin_saying_what_to_fix(database, db_url):
    result = run_users(
        "create",
        "--email",
        "ana@city.gov",
        "--role",
        "admin",
        "--password-stdin",
        db_url=db_url,
        stdin="hunter2\n",
    )
    assert _refused(result, "Use at least 15 characters (this one has 7)")


@PROMPTS_ONLY
def test_create_refuses_empty_stdin_with_password_stdin(database, db_url):
    result = run_users(
        "create", "--email", "ana@city.gov", "--role", "admin", "--password-stdin", db_url=db_url, stdin=""
    )
    assert _refused(result, "standard input held no password")


def test_create_refuses_an_unknown_department_before_asking_for_a_password(database, db_url, police):
    result = run_users(
        "create",
        "--email",
        "ed@city.gov",
        "--role",
        "department_editor",
        "--department",
        "FIRE",
        db_url=db_url,
    )
    assert _refused(result, "Unknown department code(s): FIRE (known codes: MPD)")
    assert "Password" not in result.stderr


@PROMPTS_ONLY
def test_create_refuses_an_unknown_role_listing_the_roles(database, db_url):
    result = run_users("create", "--email", "ana@city.gov", "--role", "superuser", db_url=db_url)
    assert _refused(result, "'department_editor', 'budget_analyst', 'mayors_office', 'admin'")


def test_create_refuses_an_email_that_is_taken(database, db_url):
    _create(db_url, "ana@city.gov", "admin")
    assert _refused(_create(db_url, "ANA@city.gov", "admin"), "ana@city.gov already exists")


def test_list_shows_email_role_departments_active_and_last_login(database, db_url, police):
    _create(db_url, "zoe@city.gov", "mayors_office")
    _create(db_url, "ed@city.gov", "department_editor", "MPD")
    assert _list(db_url) == [
        ["ed@city.gov", "department_editor", "MPD", "yes", "never"],
        ["zoe@city.gov", "mayors_office", "-", "yes", "never"],
    ]


def test_set_role_changes_the_role_and_departments(database, db_url, police):
    _create(db_url, "ana@city.gov", "budget_analyst")
    result = run_users(
        "set-role",
        "--email",
        "ana@city.gov",
        "--role",
        "department_editor",
        "--department",
        "MPD",
        db_url=db_url,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ana@city.gov is now department_editor of MPD.\n"


def test_set_role_for_an_editor_without_departments_says_what_to_add(database, db_url, police):
    _create(db_url, "ana@city.gov", "budget_analyst")
    result = run_users("set-role", "--email", "ana@city.gov", "--role", "department_editor", db_url=db_url)
    assert _refused(result, "A department editor needs at least one department")


def test_disable_marks_the_account_inactive(database, db_url):
    _create(db_url, "ana@city.gov", "budget_analyst")
    result = run_users("disable", "--email", "ana@city.gov", db_url=db_url)
    assert result.returncode == 0, result.stderr
    assert _list(db_url)[0][3] == "no"


def test_disable_of_an_unknown_email_says_there_is_no_such_account(database, db_url):
    result = run_users("disable", "--email", "who@city.gov", db_url=db_url)
    assert _refused(result, "No account has the email 'who@city.gov'")


def test_changes_made_on_the_command_line_are_audited_with_the_os_account(database, db_url):
    _create(db_url, "ana@city.gov", "budget_analyst")
    with database.read() as s:
        [event] = accounts.recent_events(s)
    assert event.event == "user_created" and event.client_address.startswith("command line")


def test_users_on_a_database_without_the_user_tables_says_to_run_the_migrations(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0003")
    result = run_users("list", db_url=url)
    assert _refused(result, "python -m aim db upgrade")


def test_the_readme_command_creates_an_account_without_a_terminal_given_password_stdin(database, db_url):
    create = ["users", "create", "--email", "ana@city.gov", "--role", "admin", "--password-stdin"]
    result = run_aim_process(
        *create, env={"AIM_DATABASE_URL": db_url}, stdin=PASSWORD + "\n", new_session=True
    )
    assert result.returncode == 0, result.stderr
    assert "Created ana@city.gov (admin)." in result.stdout


def test_create_without_a_terminal_or_password_stdin_says_to_give_it_with_password_stdin(database, db_url):
    # A real process in a session of its own: getpass finds no terminal and reads the (empty) input.
    create = ["users", "create", "--email", "ana@city.gov", "--role", "admin"]
    result = run_aim_process(*create, env={"AIM_DATABASE_URL": db_url}, stdin="", new_session=True)
    assert _refused(result, "No password was given")
    assert "--password-stdin" in result.stderr
    assert "Aborted" not in result.stderr and "GetPassWarning" not in result.stderr
