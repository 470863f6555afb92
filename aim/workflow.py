"""The one state machine for reviewed figures (actual values and target proposals): its states, the
actions that move between them, and which role may take each action. Pure: no I/O, tested as a
table; the services apply it and check a principal's departments themselves.

    draft --submit--> submitted --approve--> approved --publish--> published
      ^                  |                      |
      |              return (comment)       return (comment)
      |                  v                      v
      +------edit---- returned <----------------+

Editing moves any figure back to draft (a correction of a published figure leaves the published
one in place until the correction itself is published). No one approves a figure they entered or
changed since it was last published (`separation_of_duties`).
"""

from __future__ import annotations

from enum import StrEnum

from aim.auth import Principal, Role, is_signed_in


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    PUBLISHED = "published"


class Action(StrEnum):
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    PUBLISH = "publish"


#: Every state a figure can be in, in workflow order.
STATES = tuple(State)
#: The states of work in progress (not yet public).
UNPUBLISHED = (State.DRAFT, State.SUBMITTED, State.RETURNED, State.APPROVED)

#: (state before, action) -> state after. None before: a figure that does not exist yet.
TRANSITIONS: dict[tuple[State | None, Action], State] = {
    (None, Action.EDIT): State.DRAFT,
    (State.DRAFT, Action.EDIT): State.DRAFT,
    (State.RETURNED, Action.EDIT): State.DRAFT,
    # Editing a figure under review or approved takes it back: it must be reviewed again.
    (State.SUBMITTED, Action.EDIT): State.DRAFT,
    (State.APPROVED, Action.EDIT): State.DRAFT,
    # A correction: the published figure stays public until the corrected one is published.
    (State.PUBLISHED, Action.EDIT): State.DRAFT,
    (State.DRAFT, Action.SUBMIT): State.SUBMITTED,
    (State.RETURNED, Action.SUBMIT): State.SUBMITTED,
    (State.SUBMITTED, Action.APPROVE): State.APPROVED,
    (State.SUBMITTED, Action.RETURN): State.RETURNED,
    (State.APPROVED, Action.RETURN): State.RETURNED,
    (State.APPROVED, Action.PUBLISH): State.PUBLISHED,
}

#: Which roles take each action (their departments are checked by the services).
ACTORS: dict[Action, frozenset[Role]] = {
    Action.EDIT: frozenset({Role.DEPARTMENT_EDITOR}),
    Action.SUBMIT: frozenset({Role.DEPARTMENT_EDITOR}),
    Action.APPROVE: frozenset({Role.BUDGET_ANALYST}),
    Action.RETURN: frozenset({Role.BUDGET_ANALYST}),
    Action.PUBLISH: frozenset({Role.BUDGET_ANALYST}),
}

ACTION_WORDS = {
    Action.EDIT: "edit",
    Action.SUBMIT: "submit",
    Action.APPROVE: "approve",
    Action.RETURN: "return",
    Action.PUBLISH: "publish",
}
STATE_WORDS = {
    State.DRAFT: "draft",
    State.SUBMITTED: "submitted for review",
    State.RETURNED: "returned to the department",
    State.APPROVED: "approved, waiting for publication",
    State.PUBLISHED: "published",
}


class TransitionRefused(ValueError):
    """An action that the state machine does not allow from the figure's state."""


def next_state(state: State | str | None, action: Action | str) -> State:
    """The state after `action`, or TransitionRefused saying why not."""
    before = State(state) if state is not None else None
    act = Action(action)
    after = TRANSITIONS.get((before, act))
    if after is None:
        if before is None:
            raise TransitionRefused(f"There is no figure to {ACTION_WORDS[act]} yet.")
        raise TransitionRefused(f"A figure that is {STATE_WORDS[before]} cannot be {_past(act)}.")
    return after


def _past(action: Action) -> str:
    return {
        Action.EDIT: "edited",
        Action.SUBMIT: "submitted",
        Action.APPROVE: "approved",
        Action.RETURN: "returned",
        Action.PUBLISH: "published",
    }[action]


def allowed_actions(state: State | str | None) -> list[Action]:
    before = State(state) if state is not None else None
    return [action for (s, action) in TRANSITIONS if s == before]


def role_may(p: Principal, action: Action | str) -> bool:
    """Does `p`'s role take `action` at all? (Departments are the services' check.)"""
    return is_signed_in(p) and p.role in ACTORS[Action(action)]


def separation_of_duties(p: Principal, changed_by: set[str]) -> bool:
    """May `p` approve a figure whose value or explanation `changed_by` entered or changed since it
    was last published? Never their own work, whatever their role."""
    return bool(p.email) and p.email.lower() not in {who.lower() for who in changed_by}


def explanation_required(status: str | None) -> bool:
    """A figure off track or at risk must say what happened and what is being done about it."""
    return status in ("off_track", "at_risk")


# -- priority narratives (issue 12) ---------------------------------------------------------------
# The Mayor's Office's account of a priority for a period ("what we are seeing, what we are doing").
# Simpler than figures: the office speaks for itself, so there is no submission or approval, and a
# published account is never changed: editing it starts a new version (a draft) and the published
# one stays public until that draft is published.
#
#     (none) --edit--> draft --edit--> draft --publish--> published --edit--> draft (next version)

#: (state before, action) -> state after, for one version of a narrative.
NARRATIVE_TRANSITIONS: dict[tuple[State | None, Action], State] = {
    (None, Action.EDIT): State.DRAFT,
    (State.DRAFT, Action.EDIT): State.DRAFT,
    (State.DRAFT, Action.PUBLISH): State.PUBLISHED,
    # A new version: the published one is kept as it is (history, never overwritten).
    (State.PUBLISHED, Action.EDIT): State.DRAFT,
}

#: Only the Mayor's Office writes and publishes: the public page names it as the author. Budget
#: analysts read drafts in the review room but do not write in the office's name.
NARRATIVE_ACTORS: dict[Action, frozenset[Role]] = {
    Action.EDIT: frozenset({Role.MAYORS_OFFICE}),
    Action.PUBLISH: frozenset({Role.MAYORS_OFFICE}),
}


def next_narrative_state(state: State | str | None, action: Action | str) -> State:
    """The state after `action` on a narrative's latest version, or TransitionRefused."""
    before = State(state) if state is not None else None
    act = Action(action)
    after = NARRATIVE_TRANSITIONS.get((before, act))
    if after is None:
        if before is None:
            raise TransitionRefused("There is no narrative to publish yet: write a draft first.")
        raise TransitionRefused(f"A narrative that is {STATE_WORDS[before]} cannot be {_past(act)}.")
    return after


def may_write_narrative(p: Principal, action: Action | str = Action.EDIT) -> bool:
    """Does `p`'s role draft (EDIT) or publish (PUBLISH) priority narratives?"""
    act = Action(action)
    return is_signed_in(p) and act in NARRATIVE_ACTORS and p.role in NARRATIVE_ACTORS[act]
