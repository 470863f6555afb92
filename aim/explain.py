"""Plain-language sentences from the figures: why a measure has its status, and a priority's summary
("7 of 9 key measures are on track; violent crimes fell 9% from a year earlier"). Pure functions,
used by the pages and the API alike, so the words and the numbers never disagree."""

from __future__ import annotations

from collections.abc import Sequence

from aim.schemas import MeasureStatus

STATUS_WORDS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "no_target": "No target",
    "no_data": "No data",
}
DIRECTION_WORDS = {
    "up": "Higher is better",
    "down": "Lower is better",
    "range": "Within the target range is best",
}
FREQUENCY_WORDS = {"monthly": "Monthly", "quarterly": "Quarterly", "annual": "Yearly"}


def number(value: float | None, decimals: int | None = None) -> str:
    """A number with thousands separators; whole numbers without decimals unless asked."""
    if value is None:
        return "\u2014"
    if decimals is None:
        decimals = 0 if float(value).is_integer() or abs(value) >= 1000 else 1
    return f"{value:,.{decimals}f}"


def amount(value: float | None, unit_kind: str, unit_label: str = "") -> str:
    """A measure's value in its unit: "85.3%", "$1,250,000", "12.4 minutes"."""
    if value is None:
        return "no data"
    if unit_kind == "percent":
        return f"{number(value, 1)}%"
    if unit_kind == "currency":
        text = number(abs(value), 0 if abs(value) >= 1000 or float(value).is_integer() else 2)
        return f"-${text}" if value < 0 else f"${text}"
    text = number(value, 2) if unit_kind in ("ratio", "score") else number(value)
    return f"{text} {unit_label}".strip() if unit_label else text


def target_text(m: MeasureStatus) -> str:
    if m.target_low is not None and m.target_high is not None:
        return f"{amount(m.target_low, m.unit_kind)} to {amount(m.target_high, m.unit_kind, m.unit_label)}"
    return amount(m.target, m.unit_kind, m.unit_label)


def percent(fraction: float) -> str:
    return f"{fraction * 100:.0f}%"


def status_reason(m: MeasureStatus) -> str:
    """Why the measure has its status: "Off track: 12.4 minutes against a target of 10.0 minutes,
    24% worse; tolerance 10%"."""
    words = STATUS_WORDS[m.status]
    if m.status == "no_data":
        if m.target is None and m.target_low is None:
            return f"{words}: no published value for this period."
        return f"{words}: no published value for this period; the target is {target_text(m)}."
    value = amount(m.actual, m.unit_kind, m.unit_label)
    partial = ""
    if m.expected > 1 and m.reported < m.expected:
        partial = f" ({m.reported} of {m.expected} periods reported so far)"
    if m.status == "no_target":
        return f"{words}: {value}{partial}; no target was set for this period."
    against = f"{value}{partial} against a target of {target_text(m)}"
    if m.status == "on_track":
        return f"{words}: {against}."
    how_far = f"{percent(m.relative_miss)} worse" if m.relative_miss is not None else "worse"
    if m.direction == "range":
        how_far = (
            f"{percent(m.relative_miss)} outside the range"
            if m.relative_miss is not None
            else "outside the range"
        )
    return f"{words}: {against}, {how_far}; tolerance {percent(m.tolerance)}."


def change_sentence(m: MeasureStatus) -> str | None:
    """ "violent crimes reported fell 9% from a year earlier" (better or worse said by direction)."""
    if m.change is None or abs(m.change) < 0.005:
        return None
    verb = "rose" if m.change > 0 else "fell"
    name = m.name[0].lower() + m.name[1:] if m.name[:2] != m.name[:2].upper() else m.name
    return f"{name} {verb} {percent(abs(m.change))} from a year earlier"


def priority_summary(key_measures: Sequence[MeasureStatus]) -> str:
    """One sentence on a priority's key measures for the period."""
    evaluated = [m for m in key_measures if m.status in ("on_track", "at_risk", "off_track")]
    if not key_measures:
        return "No key measures are set for this priority."
    if not evaluated:
        return "None of the key measures has both a value and a target for this period."
    on_track = sum(m.status == "on_track" for m in evaluated)
    noun = "key measure is" if len(evaluated) == 1 else "key measures are"
    first = f"{on_track} of {len(evaluated)} {noun} on track"
    movers = sorted(
        ((abs(m.change), m) for m in key_measures if m.change is not None and abs(m.change) >= 0.005),
        key=lambda pair: pair[0],
        reverse=True,
    )
    change = change_sentence(movers[0][1]) if movers else None
    return f"{first}; {change}." if change else f"{first}."


TREND_WORDS = {"improving": "improving", "worsening": "worsening", "flat": "flat"}


def change_reason(kind: str, now: MeasureStatus, before: MeasureStatus | None, before_label: str) -> str:
    """Why a measure is in the review room's "what changed" list, in words: "Off track: 98 homicides
    against a target of 87, 13% worse; tolerance 15%. Was on track in 2025 (80 homicides)."."""
    if before is None:
        earlier = f"Not judged in {before_label}."
    else:
        was = STATUS_WORDS[before.status].lower()
        value = (
            amount(before.actual, before.unit_kind, before.unit_label) if before.actual is not None else ""
        )
        earlier = f"Was {was} in {before_label}" + (f" ({value})." if value else ".")
    if kind == "worsening":
        window = f"{now.window_periods[0]} to {now.window_periods[-1]}" if now.window_periods else ""
        trend_before = before.trend if before is not None else None
        was_trend = f"; it was {TREND_WORDS[trend_before]} in {before_label}" if trend_before else ""
        return f"The trend turned worsening over {window}{was_trend}. {status_reason(now)}"
    return f"{status_reason(now)} {earlier}"
