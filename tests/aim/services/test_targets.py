"""Target proposals on both databases: a department proposes, the budget office approves (never
its own proposal) or returns with a comment; approval writes the target in force and keeps the one
it replaced, so the approved proposals are the target's history."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from aim.models import Target
from aim.services import targets
from aim.services.figures import InvalidFigure, NotAllowed, NotFound
from aim.services.site import data_version
from aim.services.targets import TargetInput
from tests.aim.services.test_figures import analyst, city, editor  # noqa: F401 - the fixture


def _propose(database, calendar, user, value, **more):
    with database.write() as s:
        return targets.save_proposal(
            s, calendar, TargetInput(measure="crime", period="2027", value=value, **more), user=user
        )


def _do(database, function, proposal, *args, user):
    with database.write() as s:
        return function(s, proposal.id, proposal.version, *args, user=user)


def test_propose_submit_return_fix_approve_and_the_history_keeps_the_old_target(database, calendar, city):  # noqa: F811
    with database.write() as s:
        s.add(
            Target(measure_id=s.scalar(select(Target.measure_id)), period="2027", value=1300, set_by="import")
        )
    ed, an = editor(city), analyst()
    proposal = _propose(database, calendar, ed, "1150", explanation="Fewer burglaries expected.")
    assert proposal.state == "draft"
    proposal = _do(database, targets.submit_proposal, proposal, user=ed)
    proposal = _do(database, targets.return_proposal, proposal, "Too ambitious; explain.", user=an)
    assert (proposal.state, proposal.review_comment) == ("returned", "Too ambitious; explain.")
    proposal = _propose(database, calendar, ed, "1180", proposal=proposal.id, version=proposal.version)
    proposal = _do(database, targets.submit_proposal, proposal, user=ed)
    before = _version(database)
    proposal = _do(database, targets.approve_proposal, proposal, user=an)
    assert (proposal.state, proposal.value, proposal.old_value) == ("approved", 1180, 1300)
    assert _version(database) == before + 1
    with database.read() as s:
        assert s.scalars(select(Target).where(Target.period == "2027")).one().value == 1180
        history = targets.proposals_of(s, "crime", user=an)
    assert [(p.state, p.value) for p in history] == [("approved", 1180)]


def _version(database):
    with database.read() as s:
        return data_version(s)


def test_no_one_approves_their_own_proposal_and_editors_cannot_approve(database, calendar, city):  # noqa: F811
    ed = editor(city, "ana@city.gov")
    proposal = _do(database, targets.submit_proposal, _propose(database, calendar, ed, "1000"), user=ed)
    with pytest.raises(NotAllowed):
        _do(database, targets.approve_proposal, proposal, user=ed)
    with pytest.raises(NotAllowed, match="someone else"):
        _do(database, targets.approve_proposal, proposal, user=analyst("ana@city.gov"))


def test_bad_targets_are_refused_beside_their_field(database, calendar, city):  # noqa: F811
    with pytest.raises(InvalidFigure) as refused:
        _propose(database, calendar, editor(city), "lots")
    assert "Not a number" in refused.value.fields["value"]
    with pytest.raises(InvalidFigure) as refused:
        _propose(database, calendar, editor(city), "")
    assert "Enter the target" in refused.value.fields["value"]
    with pytest.raises(NotFound):
        _propose(database, calendar, editor(city, "w@city.gov", "DPW"), "1000")
