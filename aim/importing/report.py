"""What an import found and did: every refused row with where and why, and counts per table."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

#: The longest line the terminal report prints for one problem.
LINE = 200


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "\u2026"


@dataclass(frozen=True)
class Problem:
    """One thing wrong, located as the user sees it: file or sheet, spreadsheet row, column."""

    source: str
    row: int  # 1 is the header row; 0 when the problem is with the whole file
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        """One line of at most LINE characters: a value or message too long is cut with an ellipsis
        (the JSON report holds them whole)."""
        where = self.source + (f", row {self.row}" if self.row else "")
        if self.column:
            where += f", column {self.column}"
        value = shorten(self.value, 40)
        shown = f" (value {value!r})" if self.value and repr(self.value) not in self.message else ""
        text = f"{where}: {self.message}"
        return shorten(" ".join(text.split()), LINE - len(shown)) + shown


_QUOTED = re.compile(r"'[^']*'")


def reason_of(message: str) -> str:
    """The message with its quoted values blanked, so that rows refused for the same reason are
    counted together ("measure '…' does not exist ..." for every missing measure)."""
    return _QUOTED.sub("'\u2026'", message)


def by_reason(problems: Iterable[Problem]) -> list[tuple[str, str, int]]:
    """(source, reason, rows), the most frequent first."""
    counts = Counter((p.source, reason_of(p.message)) for p in problems)
    return [
        (source, reason, n) for (source, reason), n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
    ]


#: How many rows and reasons the terminal report shows; the JSON report holds every one.
TERMINAL_ROWS = 50
TERMINAL_REASONS = 10


def terminal_lines(
    problems: list[Problem], *, rows: int, verb: str, report_json: str | None, indent: str = "  "
) -> list[str]:
    """A summary by reason, then the first `rows` problems, then how many more and where they are:
    every line at most LINE characters."""
    if not problems:
        return []
    lines = []
    reasons = by_reason(problems)
    for source, reason, n in reasons[:TERMINAL_REASONS]:
        lines.append(shorten(f"{indent}{verb} {n:>6,} {source}: {reason}", LINE))
    if len(reasons) > TERMINAL_REASONS:
        lines.append(f"{indent}... and {len(reasons) - TERMINAL_REASONS:,} more reasons")
    lines += [f"{indent}{indent}{p}" for p in problems[:rows]]
    if len(problems) > rows:
        where = f"see {report_json}" if report_json else "see them all with --report-json FILE"
        lines.append(f"{indent}and {len(problems) - rows:,} more: {where}")
    return lines


@dataclass
class Counts:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    path: str
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in self.counts.values())

    def count(self, table: str) -> Counts:
        return self.counts.setdefault(table, Counts())

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "ok": self.ok,
            "dry_run": self.dry_run,
            "written": self.ok and not self.dry_run and self.changed,
            "seconds": round(self.seconds, 3),
            "tables": {name: asdict(c) for name, c in self.counts.items()},
            "ignored": self.ignored,
            "problems": [asdict(p) for p in self.problems],
            "problems_by_reason": [
                {"source": source, "reason": reason, "rows": n}
                for source, reason, n in by_reason(self.problems)
            ],
        }

    def summary(self) -> str:
        lines = []
        for name, c in self.counts.items():
            lines.append(
                f"  {name:<12} {c.read:>8} read {c.created:>8} new {c.updated:>8} changed "
                f"{c.unchanged:>8} unchanged"
            )
        if self.ignored:
            lines.append(f"  ignored (not tables of the import format): {', '.join(self.ignored)}")
        return "\n".join(lines)
