"""The import progress bar: drawn on a terminal once work passes a second, silent otherwise."""

from __future__ import annotations

import io

from aim.progress import LazyProgress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_bar_when_the_output_is_not_a_terminal():
    stream = io.StringIO()
    progress = LazyProgress({"validate": 10}, stream=stream, delay=0)
    progress("validate", 10)
    progress.close()
    assert stream.getvalue() == ""


def test_no_bar_for_work_that_finishes_within_the_delay():
    stream = Terminal()
    progress = LazyProgress({"validate": 10}, stream=stream, delay=60)
    progress("validate", 10)
    progress.close()
    assert stream.getvalue() == ""


def test_a_bar_on_a_terminal_once_the_delay_has_passed():
    stream = Terminal()
    progress = LazyProgress({"validate": 100, "write": None}, stream=stream, delay=0)
    progress("validate", 40)
    progress("write", 5)
    progress.close()
    assert "validate" in stream.getvalue()
    assert progress.done == {"validate": 40, "write": 5}
