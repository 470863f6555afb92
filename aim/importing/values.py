"""Read the messy values real spreadsheets hold: "385,328", " 2,901 ", "95%", "$1,250.00", "N/A".

Every parser raises ValueError with a message that says what was expected; nothing that is not a
number ever becomes a silent zero. docs/import-format.md lists what is accepted.
"""

from __future__ import annotations

import re
from datetime import date, datetime

#: Cells meaning "no value", compared case-insensitively after trimming.
NO_VALUE_TOKENS = frozenset(
    {"", "n/a", "na", "n\\a", "n.a.", "no data", "none", "null", "-", "\u2014", "\u2013", ".."}
)
#: The spellings published in the Frictionless schemas (which compare case-sensitively).
NO_VALUE_SPELLINGS = sorted(
    {
        "",
        "N/A",
        "n/a",
        "NA",
        "N\\A",
        "n\\a",
        "n.a.",
        "No Data",
        "No data",
        "no data",
        "None",
        "none",
        "NULL",
        "Null",
        "null",
        "-",
        "\u2014",
        "\u2013",
        "..",
    }
)
_TRUE = frozenset({"true", "yes", "y", "1", "t"})
_FALSE = frozenset({"false", "no", "n", "0", "f"})
# An optional "(" (accounting negative), sign and "$"; digits with thousands separators in groups
# of three, or plain digits; a decimal part; an exponent (spreadsheets export large numbers as
# 1.15977e+007); an optional "%" and ")". Spaces only around symbols.
_MESSY_NUMBER = re.compile(
    r"^(?P<open>\()?\s?(?P<sign>[+-])?\s?\$?\s?"
    r"(?P<number>(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d{1,3})?)"
    r"\s?%?\s?(?P<close>\))?$"
)
# Spaces of every kind, including the non-breaking ones spreadsheets love.
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\ufeff]+")


def clean(text: object) -> str:
    """Trim every kind of space, including non-breaking ones, and fold inner runs to one space."""
    if text is None:
        return ""
    return _SPACES.sub(" ", str(text)).strip()


def is_no_value(text: object) -> bool:
    return text is None or clean(text).lower() in NO_VALUE_TOKENS


def parse_number(text: object) -> float | None:
    """A number, or None for a "no value" cell. "95%" is 95 (the number as written)."""
    if isinstance(text, bool):
        raise ValueError(f"must be a number; got {text!r}")
    if isinstance(text, (int, float)):
        return float(text)
    if type(text) is str and text[:1].isdigit() and text.replace(".", "", 1).isdigit():
        return float(text)  # the common case, plain "1234.5", without the slower checks below
    if is_no_value(text):
        return None
    match = _MESSY_NUMBER.match(clean(text))
    if not match or not match["number"] or match["number"][0] in "eE":  # "e5" has no digits before
        raise ValueError(f"must be a number; got {str(text)!r}")
    value = float(match["number"].replace(",", ""))
    negative = match["sign"] == "-" or (match["open"] and match["close"])
    if bool(match["open"]) != bool(match["close"]):
        raise ValueError(f"must be a number; got {str(text)!r}")
    return -value if negative else value


def parse_bool(text: object, default: bool) -> bool:
    if isinstance(text, bool):
        return text
    if is_no_value(text):
        return default
    word = clean(text).lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"must be true or false (yes/no); got {str(text)!r}")


def parse_date(text: object) -> date | None:
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    if is_no_value(text):
        return None
    raw = clean(text)
    try:
        return date.fromisoformat(raw[:10]) if re.match(r"^\d{4}-\d{2}-\d{2}", raw) else _bad_date(raw)
    except ValueError:
        return _bad_date(raw)


def _bad_date(raw: str):
    raise ValueError(f"must be a date written YYYY-MM-DD; got {raw!r}")


def parse_choice(text: object, choices: tuple[str, ...]) -> str:
    """One of `choices`, compared without case or surrounding spaces."""
    word = clean(text).lower()
    if word in choices:
        return word
    return _bad_choice(text, choices)


def _bad_choice(text: object, choices: tuple[str, ...]):
    shown = clean(text)
    got = f"got {shown!r}" if shown else "the cell is empty"
    raise ValueError(f"must be one of {', '.join(choices)}; {got}")


def parse_fraction(text: object, default: float) -> float:
    """A fraction from 0 to 1: "0.1" or "10%"."""
    if is_no_value(text):
        return default
    raw = clean(text)
    value = parse_number(raw)
    assert value is not None
    if raw.endswith("%"):
        value /= 100
    if not 0 <= value <= 1:
        raise ValueError(f"must be a fraction from 0 to 1 (0.1) or a percent (10%); got {raw!r}")
    return value


def split_list(text: object, separator: str = ";") -> list[str]:
    if is_no_value(text):
        return []
    return [part for part in (clean(p) for p in str(text).split(separator)) if part]
