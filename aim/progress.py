"""A progress bar for long commands: shown on a terminal only, and only once the work has taken
more than a second, so quick imports and piped output stay quiet."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # rich is imported only when a bar is drawn: most commands never need it
    from rich.progress import Progress, TaskID


class LazyProgress:
    """Call it as progress(phase, rows_done); close() when finished."""

    def __init__(
        self, totals: dict[str, int | None], stream: TextIO | None = None, delay: float = 1.0
    ) -> None:
        self.totals = totals
        self.stream = stream or sys.stderr
        self.delay = delay
        self.started = time.monotonic()
        self.done: dict[str, int] = {phase: 0 for phase in totals}
        self._bar: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self.enabled = self.stream.isatty()

    def __call__(self, phase: str, rows: int) -> None:
        self.done[phase] = self.done.get(phase, 0) + rows
        if not self.enabled:
            return
        bar = self._bar
        if bar is None:
            if time.monotonic() - self.started < self.delay:
                return
            bar = self._start()
        bar.update(self._task(bar, phase), completed=self.done[phase])

    def _start(self) -> Progress:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        bar = self._bar = Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(file=self.stream),
            transient=True,
        )
        bar.start()
        for phase in self.totals:
            self._task(bar, phase)
        return bar

    def _task(self, bar: Progress, phase: str) -> TaskID:
        if phase not in self._tasks:
            self._tasks[phase] = bar.add_task(
                phase, total=self.totals.get(phase), completed=self.done.get(phase, 0)
            )
        return self._tasks[phase]

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
