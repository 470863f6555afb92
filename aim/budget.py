"""The budget rules: variance, cost per unit, year-over-year change and the return-on-investment
figures. Pure functions, no I/O, beside the status rules (aim/status.py) and with the same habits.

docs/methodology.md ("Budgets, cost per unit and return on investment") explains these rules in
plain language; when one changes, so does the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aim.periods import Aggregation, Rollup
from aim.status import Direction


class Basis(StrEnum):
    """Which money a cost per unit divides: what was spent, or (before spending is reported) the
    adopted budget, which every page labels as such."""

    SPENT = "spent"
    ADOPTED = "adopted"


#: Why a cost per unit or a return figure is missing, in words every page and the API share.
NO_BUDGET = "no budget recorded for the year"
NO_OUTPUT = "no output reported for the year"
ZERO_OUTPUT = "the output is zero, so there is no cost per unit"
NOT_IMPROVED = "the outcome did not improve, so there is no cost per unit of improvement"
TOO_SMALL = "change too small to price"
NO_SPENDING = "no spending reported for the year"
RANGE_OUTCOME = "the outcome is best within a range, so it has no single direction of improvement"
NO_OUTCOME = "the outcome has no value in one of the two years"


@dataclass(frozen=True, slots=True)
class Variance:
    """Spent against adopted: `amount` = spent - adopted (negative: under budget), `percent` its
    share of the adopted budget (None when the adopted budget is zero)."""

    amount: float
    percent: float | None


def variance(adopted: float | None, spent: float | None) -> Variance | None:
    """The budget variance; None while spending is not reported (or without a budget)."""
    if adopted is None or spent is None:
        return None
    amount = spent - adopted
    return Variance(amount, amount / adopted if adopted else None)


@dataclass(frozen=True, slots=True)
class Change:
    """A figure against the same figure a year earlier: `amount` = now - then, `percent` =
    (now - then) / |then| (None when then is zero)."""

    amount: float
    percent: float | None


def year_over_year(now: float | None, then: float | None) -> Change | None:
    """The change from a year earlier; None when either year has no figure."""
    if now is None or then is None:
        return None
    amount = now - then
    return Change(amount, amount / abs(then) if then else None)


@dataclass(frozen=True, slots=True)
class UnitCost:
    """What one unit of output cost in a fiscal year.

    `value` is dollars per unit (None with `reason` saying why); `basis` says whether spending or
    the adopted budget was divided; `money` is the amount divided (prorated for a partial year);
    `output` the year's output; `share` the share of the year the output covers (1.0 when whole).
    """

    value: float | None
    basis: Basis | None = None
    money: float | None = None
    output: float | None = None
    share: float = 1.0
    reason: str | None = None

    @property
    def estimated(self) -> bool:
        """True when the figure is not final: the adopted budget stood in, or the year is partial."""
        return self.basis is Basis.ADOPTED or self.share < 1.0


def cost_per_unit(
    adopted: float | None, spent: float | None, output: Rollup, aggregation: Aggregation | str
) -> UnitCost:
    """Spending (or, before any is reported, the adopted budget) divided by the year's output.

    The partial-period rule of the status rules applies: when a summed output covers only part of
    the year (9 of 12 months), the year's money is taken in the same share (9/12) before dividing,
    so a year to date is not set against a whole year's budget. An output that is a level (mean,
    last) is not prorated.
    """
    money, basis = (spent, Basis.SPENT) if spent is not None else (adopted, Basis.ADOPTED)
    if money is None:
        return UnitCost(None, reason=NO_BUDGET, output=output.value)
    if output.value is None:
        return UnitCost(None, basis, money, reason=NO_OUTPUT)
    if output.value <= 0:
        return UnitCost(None, basis, money, output.value, reason=ZERO_OUTPUT)
    share = 1.0
    if Aggregation(aggregation) is Aggregation.SUM and not output.complete and output.expected:
        share = output.share
    prorated = money * share
    return UnitCost(prorated / output.value, basis, prorated, output.value, share)


#: The smallest outcome improvement that is priced, as a share of the outcome's scale (its target,
#: or without one its larger yearly value). Below it, spending ÷ improvement divides by a hair and
#: gives a giant figure that means nothing; the page says "change too small to price" instead.
MIN_PRICED_SHARE = 0.01
# Float noise (0.1 + 0.2) must not turn a change of exactly the threshold into one just below it.
_EPSILON = 1e-9


def smallest_priced_improvement(target: float | None, now: float, then: float) -> float:
    """MIN_PRICED_SHARE of the outcome's scale: the size of its target for the year when it has a
    non-zero one, else the larger size of its two yearly values. Zero only when all are zero."""
    scale = abs(target) if target else max(abs(now), abs(then))
    return MIN_PRICED_SHARE * scale


@dataclass(frozen=True, slots=True)
class OutcomeReturn:
    """What an outcome moved while the money was spent, in its better direction.

    `improvement` is the outcome's change from the year before, positive when better (fewer
    homicides, more jobs); `spending_per_unit` the year's spending divided by that improvement
    (None with `reason` when the outcome did not improve, improved by less than `threshold`, the
    smallest improvement priced, or cannot say); `score_change` the change of the outcome's score
    against target. No causal claim: see docs/methodology.md.
    """

    improvement: float | None
    spending_per_unit: float | None
    score_change: float | None
    reason: str | None = None
    threshold: float | None = None


def outcome_return(
    spent: float | None,
    outcome_now: float | None,
    outcome_then: float | None,
    direction: Direction | str,
    score_now: float | None = None,
    score_then: float | None = None,
    target: float | None = None,
) -> OutcomeReturn:
    """Spending per unit of outcome change, and the outcome's score change, for one year.

    The reasons come in this order: no single better direction, a year without a value, no
    improvement, an improvement below the threshold (smallest_priced_improvement), then no spending
    reported; only an improvement of at least the threshold, with spending, is priced.
    """
    direction = Direction(direction)
    score_change = None if score_now is None or score_then is None else score_now - score_then
    if direction is Direction.RANGE:
        return OutcomeReturn(None, None, score_change, RANGE_OUTCOME)
    if outcome_now is None or outcome_then is None:
        return OutcomeReturn(None, None, score_change, NO_OUTCOME)
    improvement = outcome_now - outcome_then if direction is Direction.UP else outcome_then - outcome_now
    threshold = smallest_priced_improvement(target, outcome_now, outcome_then)
    if improvement <= 0:
        return OutcomeReturn(improvement, None, score_change, NOT_IMPROVED, threshold)
    if improvement < threshold - _EPSILON * max(1.0, threshold):
        return OutcomeReturn(improvement, None, score_change, TOO_SMALL, threshold)
    if spent is None:
        return OutcomeReturn(improvement, None, score_change, NO_SPENDING, threshold)
    return OutcomeReturn(improvement, spent / improvement, score_change, threshold=threshold)


def score_change(now: float | None, then: float | None) -> float | None:
    """The change of a score (or of an average of scores) from a year earlier."""
    return None if now is None or then is None else now - then
