"""The state machine as a table: every (state, action) pair, allowed or refused, and who acts."""

from __future__ import annotations

import itertools

import pytest

from aim import workflow
from aim.auth import ANONYMOUS, Principal, Role
from aim.workflow import Action, State, TransitionRefused

EXPECTED = {
    (None, "edit"): "draft",
    ("draft", "edit"): "draft",
    ("draft", "submit"): "submitted",
    ("submitted", "edit"): "draft",
    ("submitted", "approve"): "approved",
    ("submitted", "return"): "returned",
    ("returned", "edit"): "draft",
    ("returned", "submit"): "submitted",
    ("approved", "edit"): "draft",
    ("approved", "return"): "returned",
    ("approved", "publish"): "published",
    ("published", "edit"): "draft",
}


@pytest.mark.parametrize("state, action", list(itertools.product([None, *State], Action)))
def test_every_state_and_action(state, action):
    key = (state.value if state else None, action.value)
    if key in EXPECTED:
        assert workflow.next_state(state, action) == EXPECTED[key]
    else:
        with pytest.raises(TransitionRefused):
            workflow.next_state(state, action)


def test_who_takes_each_action():
    editor = Principal(1, "e@x", Role.DEPARTMENT_EDITOR, {1})
    analyst = Principal(2, "a@x", Role.BUDGET_ANALYST)
    mayor = Principal(3, "m@x", Role.MAYORS_OFFICE)
    admin = Principal(4, "i@x", Role.ADMIN)
    assert [a for a in Action if workflow.role_may(editor, a)] == [Action.EDIT, Action.SUBMIT]
    assert [a for a in Action if workflow.role_may(analyst, a)] == [
        Action.APPROVE,
        Action.RETURN,
        Action.PUBLISH,
    ]
    for nobody in (mayor, admin, ANONYMOUS):
        assert not any(workflow.role_may(nobody, a) for a in Action)


def test_separation_of_duties_compares_emails_without_case():
    analyst = Principal(2, "ana@city.gov", Role.BUDGET_ANALYST)
    assert not workflow.separation_of_duties(analyst, {"Ana@City.gov"})
    assert workflow.separation_of_duties(analyst, {"ed@city.gov"})
    assert not workflow.separation_of_duties(ANONYMOUS, set())


def test_an_explanation_is_required_off_track_and_at_risk_only():
    assert [
        s for s in ("on_track", "at_risk", "off_track", "no_target", None) if workflow.explanation_required(s)
    ] == [
        "at_risk",
        "off_track",
    ]
