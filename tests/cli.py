"""Run `python -m aim ...` inside the test process: the same click entry point that aim/__main__.py
calls, with its own environment, standard input and output, without starting an interpreter.

Starting Python and importing the app took about a second per command, for some 70 commands. The
few tests whose subject is the process itself (`python -m aim` runs, no terminal to prompt on) use
`run_aim_process`, the real subprocess.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import traceback
from dataclasses import dataclass

from click.testing import CliRunner

from aim.config import ROOT, get_settings


@dataclass(frozen=True)
class Ran:
    """What a finished command left: like subprocess.CompletedProcess, so tests read either."""

    returncode: int
    stdout: str
    stderr: str


def _environment(env: dict[str, str] | None) -> dict[str, str | None]:
    """The test's AIM_* settings and nothing else of the caller's (None unsets a variable)."""
    overrides: dict[str, str | None] = {k: None for k in os.environ if k.startswith("AIM_")}
    overrides.update(env or {})
    return overrides


def run_aim(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Ran:
    """`python -m aim *args` in this process, reading AIM_* from `env` only, in the project folder."""
    from aim.cli import main

    # The settings are read once per process (an lru_cache); each command must read its own.
    get_settings.cache_clear()
    try:
        with contextlib.chdir(ROOT):
            result = CliRunner().invoke(
                main, list(args), input=stdin, env=_environment(env), prog_name="python -m aim"
            )
    finally:
        get_settings.cache_clear()
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # CliRunner keeps an uncaught exception instead of printing it; print it as the interpreter
        # would, so that a test's "no traceback" assertion means the same in and out of process.
        stderr += "".join(traceback.format_exception(result.exception))
    return Ran(result.exit_code, result.stdout, stderr)


def run_aim_process(
    *args: str, env: dict[str, str] | None = None, stdin: str = "", new_session: bool = False
) -> Ran:
    """`python -m aim *args` as a real subprocess; `new_session` leaves it without a controlling
    terminal, as under cron or a provisioning script."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AIM_")}
    environment.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "aim", *args],
        cwd=ROOT,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=new_session,
    )
    return Ran(result.returncode, result.stdout, result.stderr)
