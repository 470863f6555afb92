"""The budget rules with figures computed by hand: variance, cost per unit (spent, adopted, missing
spending, zero output, partial year), year over year, and the return-on-investment figures with
their minimum-change rule (at the threshold, under it, no change, worsening, missing spending)."""

from __future__ import annotations

import pytest

from aim.budget import (
    MIN_PRICED_SHARE,
    NO_BUDGET,
    NO_OUTCOME,
    NO_OUTPUT,
    NO_SPENDING,
    NOT_IMPROVED,
    RANGE_OUTCOME,
    TOO_SMALL,
    ZERO_OUTPUT,
    Basis,
    Change,
    Variance,
    cost_per_unit,
    outcome_return,
    score_change,
    smallest_priced_improvement,
    variance,
    year_over_year,
)
from aim.periods import Rollup


def test_variance_of_an_underspent_budget_is_negative_in_dollars_and_percent():
    # Public Works collection, 2025: adopted $44,940,992, spent $43,146,283.
    found = variance(44_940_992, 43_146_283)
    assert found == Variance(-1_794_709, pytest.approx(-1_794_709 / 44_940_992))
    assert found.percent == pytest.approx(-0.039935, abs=1e-6)  # 4.0% under budget


def test_variance_of_an_overspent_budget_is_positive():
    assert variance(1_000_000, 1_025_000) == Variance(25_000, 0.025)


def test_no_variance_while_spending_is_not_reported():
    assert variance(46_855_326, None) is None
    assert variance(None, 100) is None


def test_variance_of_a_zero_budget_has_an_amount_but_no_percent():
    assert variance(0, 5_000) == Variance(5_000, None)


def test_cost_per_unit_divides_spending_by_the_years_output():
    # $43,146,283 spent on 200,434 tons collected in 12 of 12 months: $215.26 a ton.
    found = cost_per_unit(44_940_992, 43_146_283, Rollup(200_434, 12, 12), "sum")
    assert found.value == pytest.approx(215.2643, abs=1e-4)
    assert found.basis is Basis.SPENT and found.money == 43_146_283 and found.share == 1.0
    assert not found.estimated and found.reason is None


def test_cost_per_unit_uses_the_adopted_budget_when_spending_is_missing_and_says_so():
    found = cost_per_unit(1_200_000, None, Rollup(4_000, 12, 12), "sum")
    assert found.value == 300.0
    assert found.basis is Basis.ADOPTED and found.estimated


def test_cost_per_unit_of_a_partial_year_takes_the_same_share_of_the_money():
    # 9 of 12 months reported, 3,000 units: 9/12 of a $1,200,000 budget is $900,000, $300 a unit
    # (not $400, which would set a whole year's money against three quarters of its output).
    found = cost_per_unit(1_200_000, None, Rollup(3_000, 9, 12), "sum")
    assert found.value == 300.0
    assert found.share == 0.75 and found.money == 900_000 and found.estimated


def test_a_partial_year_of_an_output_that_is_a_level_is_not_prorated():
    # Lane miles maintained (the last value): a level, not a sum of the months reported.
    found = cost_per_unit(1_200_000, 1_000_000, Rollup(500, 9, 12), "last")
    assert found.value == 2_000.0 and found.share == 1.0


def test_a_zero_output_has_no_cost_per_unit_and_says_why():
    found = cost_per_unit(1_000_000, 990_000, Rollup(0.0, 12, 12), "sum")
    assert found.value is None and found.reason == ZERO_OUTPUT
    assert found.money == 990_000 and found.output == 0.0


def test_no_output_reported_means_no_cost_per_unit():
    found = cost_per_unit(1_000_000, 990_000, Rollup(None, 0, 12), "sum")
    assert found.value is None and found.reason == NO_OUTPUT


def test_no_budget_at_all_means_no_cost_per_unit():
    found = cost_per_unit(None, None, Rollup(10, 12, 12), "sum")
    assert found.value is None and found.reason == NO_BUDGET


def test_year_over_year_change_in_amount_and_percent():
    # Cost per ton $224.17 in 2024, $215.26 in 2025: down $8.91, -3.97%.
    found = year_over_year(215.26, 224.17)
    assert found.amount == pytest.approx(-8.91)
    assert found.percent == pytest.approx(-8.91 / 224.17)


def test_year_over_year_needs_both_years_and_has_no_percent_from_zero():
    assert year_over_year(10, None) is None
    assert year_over_year(None, 10) is None
    assert year_over_year(5, 0) == Change(5, None)
    assert year_over_year(-2, -4) == Change(2, 0.5)  # from -4 to -2 is up by half its size


def test_spending_per_unit_of_improvement_when_lower_is_better():
    # Homicides fell from 120 to 100 while $98,000,000 was spent: 20 fewer, $4,900,000 per homicide
    # fewer; the score went from 0.90 to 0.95.
    found = outcome_return(98_000_000, 100, 120, "down", score_now=0.95, score_then=0.90)
    assert found.improvement == 20
    assert found.spending_per_unit == 4_900_000
    assert found.score_change == pytest.approx(0.05)
    assert found.reason is None


def test_spending_per_unit_of_improvement_when_higher_is_better():
    found = outcome_return(1_000_000, 62.5, 60.0, "up")
    assert found.improvement == 2.5 and found.spending_per_unit == 400_000


def test_an_outcome_that_did_not_improve_has_no_spending_per_unit():
    worse = outcome_return(1_000_000, 130, 120, "down", 0.8, 0.9)
    assert worse.improvement == -10 and worse.spending_per_unit is None and worse.reason == NOT_IMPROVED
    assert worse.score_change == pytest.approx(-0.1)
    same = outcome_return(1_000_000, 120, 120, "down")
    assert same.improvement == 0 and same.spending_per_unit is None and same.reason == NOT_IMPROVED


def test_return_figures_say_why_they_are_missing():
    assert outcome_return(1_000_000, 5, 4, "range").reason == RANGE_OUTCOME
    assert outcome_return(1_000_000, None, 4, "up").reason == NO_OUTCOME


# -- the minimum-change rule: an improvement under 1% of the outcome's scale is not priced ------------
def test_the_priced_share_is_one_percent_as_the_methodology_says():
    assert MIN_PRICED_SHARE == 0.01


def test_the_scale_is_the_target_or_without_one_the_larger_yearly_value():
    assert smallest_priced_improvement(90, 100, 120) == pytest.approx(0.9)  # 1% of the target 90
    assert smallest_priced_improvement(-40, 1, 2) == pytest.approx(0.4)  # the target's size
    assert smallest_priced_improvement(None, 60.5, 60) == pytest.approx(0.605)  # 1% of 60.5
    assert smallest_priced_improvement(0, 9, 10) == pytest.approx(0.1)  # a zero target ("vision zero")
    assert smallest_priced_improvement(None, 0, 0) == 0


def test_a_hair_of_improvement_is_too_small_to_price_not_a_giant_figure():
    # Homicides (target 90) from 120.00 to 119.99 while $98,000,000 was spent: without the rule,
    # $9,800,000,000 per homicide fewer. 0.01 is under 0.9 (1% of 90): "change too small to price".
    found = outcome_return(98_000_000, 119.99, 120, "down", target=90)
    assert found.improvement == pytest.approx(0.01)
    assert found.spending_per_unit is None
    assert found.reason == TOO_SMALL == "change too small to price"
    assert found.threshold == pytest.approx(0.9)


def test_an_improvement_exactly_at_the_threshold_is_priced():
    # Percent of residents employed, target 80.0%: from 70.0% to 70.8% is 0.8 points, exactly 1% of
    # the target (the subtraction gives 0.7999999999999972 in floating point: still priced).
    found = outcome_return(2_000_000, 70.8, 70.0, "up", target=80.0)
    assert found.reason is None and found.threshold == pytest.approx(0.8)
    assert found.spending_per_unit == pytest.approx(2_500_000)  # $2,000,000 / 0.8 points


def test_an_improvement_just_under_the_threshold_is_not_priced():
    found = outcome_return(2_000_000, 70.79, 70.0, "up", target=80.0)  # 0.79 < 0.8
    assert found.spending_per_unit is None and found.reason == TOO_SMALL


def test_without_a_target_the_threshold_is_one_percent_of_the_larger_year():
    # 60.0 -> 60.5: 0.5 < 0.605 (1% of 60.5); 60.0 -> 61.0: 1.0 >= 0.61, $1,000,000 per unit.
    assert outcome_return(1_000_000, 60.5, 60.0, "up").reason == TOO_SMALL
    priced = outcome_return(1_000_000, 61.0, 60.0, "up")
    assert priced.threshold == pytest.approx(0.61) and priced.spending_per_unit == pytest.approx(1_000_000)


def test_a_zero_target_measures_the_threshold_against_the_values():
    # Traffic deaths, target 0: from 10 to 9 is 1 fewer, over 0.1 (1% of 10): $500,000 per death fewer.
    found = outcome_return(500_000, 9, 10, "down", target=0)
    assert found.threshold == pytest.approx(0.1) and found.spending_per_unit == pytest.approx(500_000)


def test_no_change_is_not_an_improvement_even_with_a_zero_threshold():
    same = outcome_return(1_000_000, 120, 120, "down", target=90)
    assert same.improvement == 0 and same.reason == NOT_IMPROVED and same.spending_per_unit is None
    nothing = outcome_return(1_000_000, 0, 0, "up")
    assert nothing.threshold == 0 and nothing.reason == NOT_IMPROVED


def test_a_worsening_outcome_says_it_did_not_improve_whatever_its_size():
    worse = outcome_return(1_000_000, 120.5, 120, "down", target=90)  # under the threshold too
    assert worse.improvement == pytest.approx(-0.5) and worse.reason == NOT_IMPROVED


def test_missing_spending_is_said_only_once_the_outcome_change_is_large_enough_to_price():
    # 4 -> 5 (up, target 10): 1 >= 0.1, but no spending is reported, so no figure, and the page says so.
    missing = outcome_return(None, 5, 4, "up", target=10)
    assert missing.improvement == 1 and missing.spending_per_unit is None and missing.reason == NO_SPENDING
    # A hair of change without spending: the outcome's reason comes first.
    assert outcome_return(None, 4.05, 4, "up", target=10).reason == TOO_SMALL
    assert outcome_return(None, 3, 4, "up", target=10).reason == NOT_IMPROVED


def test_score_change_needs_both_scores():
    assert score_change(1.05, 0.95) == pytest.approx(0.10)
    assert score_change(None, 0.95) is None
