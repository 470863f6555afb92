"""The inventory and the data requests (aim/services/inventory.py, data_requests.py), on both
databases: who may change them, what the public sees of them, all-or-nothing CSV import, and the
moderation rules."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from aim.auth import ANONYMOUS, Principal, Role
from aim.models import AuditEvent, DataAsset, DataRequest, User
from aim.services import data_requests as req
from aim.services import inventory as inv
from tests import builders as b

COORDINATOR = Principal(1, "opendata@city.gov", Role.DATA_COORDINATOR)
OTHERS = [
    ANONYMOUS,
    Principal(2, "admin@city.gov", Role.ADMIN),
    Principal(3, "analyst@city.gov", Role.BUDGET_ANALYST),
    Principal(4, "mayor@city.gov", Role.MAYORS_OFFICE),
    Principal(5, "ed@city.gov", Role.DEPARTMENT_EDITOR, frozenset({1})),
]
HEADER = (
    "slug,name,steward,classification,release_status,status_reason,priority,system_of_record,description\n"
)
CSV = HEADER + (
    "permits,Building permits,DNS,public,published,,2,Accela,Every permit issued\n"
    "payroll,Payroll detail,DNS,confidential,will_not_release,Personal data of employees,5,"
    "PeopleSoft,Salaries by name\n"
    "potholes,Pothole repairs,DNS,public,planned,Cleaning the data,2,Cityworks,Repairs by street\n"
    "trees,Street trees,DNS,public,planned,,1,TreeKeeper,Every street tree\n"
    "lights,Street lights,DNS,public,planned,,2,Cityworks,Outages\n"
)


@pytest.fixture
def city(database):
    with database.write() as s:
        b.department(s, "DNS", "Neighborhood Services")
        # The coordinator is a real account: the audit log refers to it.
        s.add(User(id=1, email=COORDINATOR.email, password_hash="-", role=Role.DATA_COORDINATOR.value))
    return database


def _audited(database) -> list[tuple[str, int | None, str, str]]:
    with database.read() as s:
        return [
            (e.event, e.user_id, e.email, e.detail)
            for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]


def test_the_coordinators_edits_imports_moderation_and_answers_are_in_the_audit_log(city):
    with city.write() as s:
        inv.import_csv(s, COORDINATOR, CSV)
        inv.save_asset(
            s,
            COORDINATOR,
            inv.parse_asset(
                {
                    "slug": "bridges",
                    "name": "Bridges",
                    "classification": "public",
                    "release_status": "planned",
                }
            ),
        )
        inv.save_asset(
            s,
            COORDINATOR,
            inv.parse_asset(
                {
                    "slug": "bridges",
                    "name": "Bridges",
                    "classification": "restricted",
                    "release_status": "under_review",
                    "status_reason": "Security review",
                }
            ),
        )
        rid = req.submit(s, req.parse_request({"title": "Bus stops"}))
        spam = req.submit(s, req.parse_request({"title": "Spam"}))
        req.moderate(s, COORDINATOR, rid, True)
        req.moderate(s, COORDINATOR, spam, False)
        req.answer(s, COORDINATOR, rid, "released", "Here", "https://data.example.gov/bus-stops")
    who = (1, "opendata@city.gov")
    assert _audited(city) == [
        (
            "inventory_imported",
            *who,
            "imported 5 inventory entries (5 created, 0 updated): permits, payroll, potholes, trees, lights",
        ),
        ("inventory_changed", *who, "created inventory entry 'bridges': public, planned"),
        ("inventory_changed", *who, "updated inventory entry 'bridges': restricted, under_review"),
        ("request_moderated", *who, f"approved data request {rid}"),
        ("request_moderated", *who, f"rejected data request {spam}"),
        (
            "request_answered",
            *who,
            f"answered data request {rid}: released (https://data.example.gov/bus-stops)",
        ),
    ]


def test_a_refused_or_failed_change_leaves_no_audit_event(city):
    with pytest.raises(inv.NotAllowed), city.write() as s:
        inv.import_csv(s, OTHERS[1], CSV)
    with pytest.raises(inv.InventoryError), city.write() as s:
        inv.import_csv(s, COORDINATOR, CSV + "Bad Slug,X,DNS,public,planned,,3,,\n")
    assert _audited(city) == []


def test_a_csv_import_creates_then_updates_and_records_who(city):
    with city.write() as s:
        assert inv.import_csv(s, COORDINATOR, CSV) == (5, 0)
    with city.write() as s:
        assert inv.import_csv(s, COORDINATOR, CSV.replace("Every permit issued", "All permits")) == (0, 5)
    with city.read() as s:
        permits = s.scalars(select(DataAsset).where(DataAsset.slug == "permits")).one()
        assert permits.description == "All permits" and permits.updated_by == "opendata@city.gov"
        assert permits.released_on is not None


def test_one_bad_row_means_nothing_is_written_and_every_problem_is_named(city):
    bad = CSV + (
        "Bad Slug,X,DNS,public,planned,,3,,\n"
        "secret,Secret,DNS,restricted,published,,3,,\n"
        "nope,Nope,DNS,public,will_not_release,,3,,\n"
        "ghost,Ghost,XYZ,public,planned,,9,,\n"
        "permits,Again,DNS,public,planned,,3,,\n"
    )
    with pytest.raises(inv.InventoryError) as caught, city.write() as s:
        inv.import_csv(s, COORDINATOR, bad)
    problems = caught.value.problems
    assert any(p.startswith("row 7: slug:") for p in problems)
    assert any(p.startswith("row 8:") and "only a public data set can be published" in p for p in problems)
    assert any(p.startswith("row 9:") and "say why" in p for p in problems)
    assert any(p.startswith("row 10: priority:") for p in problems)
    assert any("row 10: steward" in p for p in problems) is False  # priority already refused the row
    assert any(p.startswith("row 11: slug 'permits' is already on row 2") for p in problems)
    with city.read() as s:
        assert s.scalar(select(func.count()).select_from(DataAsset)) == 0


def test_an_import_with_unknown_or_missing_columns_is_refused_before_any_row(city):
    with pytest.raises(inv.InventoryError, match="missing column"), city.write() as s:
        inv.import_csv(s, COORDINATOR, "slug,name\nx,X\n")
    with pytest.raises(inv.InventoryError, match="unknown column"), city.write() as s:
        inv.import_csv(
            s, COORDINATOR, "slug,name,classification,release_status,owner\nx,X,public,planned,me\n"
        )


@pytest.mark.parametrize("who", OTHERS, ids=lambda p: str(p.role))
def test_only_a_data_coordinator_changes_the_inventory_or_moderates(city, who):
    with city.write() as s:
        inv.import_csv(s, COORDINATOR, CSV)
        request_id = req.submit(s, req.parse_request({"title": "Bus stops", "need": "Locations"}))
    with pytest.raises(inv.NotAllowed), city.write() as s:
        inv.import_csv(s, who, CSV)
    with pytest.raises(inv.NotAllowed), city.write() as s:
        inv.save_asset(
            s,
            who,
            inv.parse_asset(
                {"slug": "x", "name": "X", "classification": "public", "release_status": "planned"}
            ),
        )
    with pytest.raises(inv.NotAllowed), city.write() as s:
        req.moderate(s, who, request_id, True)
    with pytest.raises(inv.NotAllowed), city.write() as s:
        req.answer(s, who, request_id, "planned", "Soon")
    with pytest.raises(inv.NotAllowed), city.read() as s:
        req.queue(s, who)


def test_the_public_sees_that_a_restricted_entry_exists_and_why_but_no_detail(city):
    with city.write() as s:
        inv.import_csv(s, COORDINATOR, CSV)
    with city.read() as s:
        public = {e.slug: e for e in inv.inventory(s, ANONYMOUS)}
        full = {e.slug: e for e in inv.inventory(s, COORDINATOR)}
    payroll = public["payroll"]
    assert (payroll.name, payroll.steward, payroll.status_reason) == (
        "Payroll detail",
        "Neighborhood Services",
        "Personal data of employees",
    )
    assert payroll.description == payroll.system_of_record == "" and not payroll.restricted_details
    assert (
        full["payroll"].system_of_record == "PeopleSoft" and full["payroll"].description == "Salaries by name"
    )
    assert public["permits"].system_of_record == "Accela"


def test_planned_entries_are_ordered_by_priority_then_by_the_publics_support(city):
    with city.write() as s:
        inv.import_csv(s, COORDINATOR, CSV)
        for _ in range(3):
            rid = req.submit(
                s, req.parse_request({"kind": "support", "asset": "lights", "title": "Yes please"})
            )
            req.moderate(s, COORDINATOR, rid, True)
        unmoderated = req.submit(
            s, req.parse_request({"kind": "support", "asset": "potholes", "title": "Me too"})
        )
        assert unmoderated
    with city.read() as s:
        planned = [e for e in inv.inventory(s, ANONYMOUS) if e.release_status == "planned"]
    assert [(e.slug, e.support) for e in planned] == [("trees", 0), ("lights", 3), ("potholes", 0)]


def test_an_unmoderated_or_rejected_request_appears_nowhere_public(city):
    with city.write() as s:
        pending = req.submit(s, req.parse_request({"title": "Pending one"}))
        rejected = req.submit(s, req.parse_request({"title": "Spam spam"}))
        approved = req.submit(s, req.parse_request({"title": "Bus stops"}))
        req.moderate(s, COORDINATOR, rejected, False)
        req.moderate(s, COORDINATOR, approved, True)
    with city.read() as s:
        assert [r.title for r in req.public_requests(s)] == ["Bus stops"]
        assert [r.id for r in req.queue(s, COORDINATOR)] == [pending]


def test_answers_need_a_reason_to_decline_and_a_link_to_release(city):
    with city.write() as s:
        rid = req.submit(s, req.parse_request({"title": "Bus stops"}))
    with pytest.raises(inv.InventoryError, match="Approve the request"), city.write() as s:
        req.answer(s, COORDINATOR, rid, "planned", "Soon")
    with city.write() as s:
        req.moderate(s, COORDINATOR, rid, True)
    with pytest.raises(inv.InventoryError, match="say why"), city.write() as s:
        req.answer(s, COORDINATOR, rid, "declined", "")
    with pytest.raises(inv.InventoryError, match="web address"), city.write() as s:
        req.answer(s, COORDINATOR, rid, "released", "Here it is", "javascript:alert(1)")
    with city.write() as s:
        req.answer(s, COORDINATOR, rid, "released", "Here it is", "https://data.example.gov/bus-stops")
    with city.read() as s:
        [view] = req.public_requests(s)
        assert (view.answer_status, view.answer_url) == ("released", "https://data.example.gov/bus-stops")
        assert s.get(DataRequest, rid).answered_by == "opendata@city.gov"


@pytest.mark.parametrize(
    "fields, problem",
    [
        ({"title": "ab"}, "Title"),
        ({"title": "x" * 201}, "Title"),
        ({"title": "Fine", "need": "x" * 2001}, "What you need"),
        ({"title": "Fine", "reason": "x" * 2001}, "Why"),
        ({"title": "Fine", "kind": "delete"}, "Kind"),
        ({"title": "Fine", "admin": "1"}, "admin"),
    ],
)
def test_request_input_is_bounded_and_nothing_unknown_passes(fields, problem):
    with pytest.raises(inv.InventoryError) as caught:
        req.parse_request(fields)
    assert any(problem in p for p in caught.value.problems), caught.value.problems


def test_control_characters_are_dropped_and_text_is_kept_as_typed():
    data = req.parse_request({"title": "  <b>Bus\x00 stops</b>  ", "need": "=1+1\r\nline"})
    assert data.title == "<b>Bus stops</b>" and data.need == "=1+1\nline"
