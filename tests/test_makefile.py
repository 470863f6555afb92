"""The Makefile as a newcomer meets it: `make help` names every target and the variables that
`make run` takes, and the README says what they do."""

from __future__ import annotations

import re
import subprocess

import pytest

from aim.config import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
RUN_VARIABLES = ("HOST", "PORT", "WORKERS")


def _targets() -> list[str]:
    """Every target the Makefile declares phony: the commands it offers."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.MULTILINE)
    assert phony, "the Makefile declares its targets in one .PHONY line"
    return phony.group(1).split()


@pytest.fixture(scope="module")
def make_help() -> str:
    result = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("target", _targets())
def test_make_help_lists_every_target(make_help, target):
    assert re.search(rf"^\s*make {target}\b", make_help, re.MULTILINE), f"make help does not list {target}"


@pytest.mark.parametrize("variable", RUN_VARIABLES)
def test_make_help_lists_the_variables_make_run_takes_with_their_defaults(make_help, variable):
    assert re.search(rf"\b{variable}=\S+", make_help), f"make help does not show {variable}=<default>"


@pytest.mark.parametrize("variable", RUN_VARIABLES)
def test_the_readme_says_make_run_takes_each_variable(variable):
    assert f"`{variable}`" in README and f"{variable}=" in README


def test_the_readme_says_make_test_also_installs_node_npm_and_chromium():
    assert "Node and npm" in README and "axe-core" in README and "chromium" in README


def test_the_readme_shows_users_create_with_password_stdin_beside_the_prompting_example():
    assert "users create --email ana@city.gov --role department_editor" in README
    assert "--password-stdin" in README


def test_the_readme_shows_an_import_example():
    assert "python -m aim import data/milwaukee" in README
