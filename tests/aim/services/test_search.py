"""Full-text search over public measures (aim.services.catalog.search): word forms through each
database's own engine (FTS5 with the Porter stemmer, PostgreSQL's English configuration), word
beginnings, mistyped words, and an index kept in step with every import and edit."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from aim.models import Activity, Measure
from aim.services.catalog import search, search_codes
from tests import builders as b
from tests.cities import SECRET_NAME, load_tiny_city

SHOOTINGS = {"nonfatal-shootings", "youth-shooting-victims"}


@pytest.mark.leak_city
@pytest.mark.parametrize("query", ["shootings", "shooting", "Shootings", "shoot", "SHOOTING VICTIMS"])
def test_word_forms_and_word_beginnings_find_the_shooting_measures(database, query):
    with database.read() as s:
        found = search_codes(s, query)
    assert found >= ({"youth-shooting-victims"} if "victims" in query.lower() else SHOOTINGS), found


@pytest.mark.leak_city
def test_every_word_must_match(database):
    with database.read() as s:
        assert search_codes(s, "nonfatal shootings") == {"nonfatal-shootings"}
        assert search_codes(s, "shootings potholes") == set()


@pytest.mark.leak_city
@pytest.mark.parametrize("typed, read_as", [("shotings", "shooting"), ("homicdes", "homicides")])
def test_a_mistyped_word_is_read_as_the_nearest_word_of_the_index_and_says_so(database, typed, read_as):
    with database.read() as s:
        found = search(s, typed)
    assert found.corrected == {typed: read_as}
    assert found.codes, typed


@pytest.mark.leak_city
def test_internal_measures_are_never_found(database):
    with database.read() as s:
        assert search_codes(s, SECRET_NAME) == set()
        assert search_codes(s, "Zebracorn") == set()
        assert search(s, "Zebracorm").codes == set()


@pytest.mark.leak_city
@pytest.mark.parametrize(
    "query", ["", "%", "_", "   ", '"', 'shooting" OR "x', "NEAR(a b)", "a:*|b", "*", "-"]
)
def test_query_syntax_in_the_text_is_taken_as_words_never_as_syntax(database, query):
    with database.read() as s:
        found = search(s, query)
    assert isinstance(found.codes, set)


def test_the_index_follows_every_insert_rename_and_delete(database):
    load_tiny_city(database)
    with database.read() as s:
        assert search_codes(s, "violent") == {"violent-crime"}
    with database.write() as s:
        s.execute(update(Measure).where(Measure.code == "violent-crime").values(name="Burglaries reported"))
    with database.read() as s:
        assert search_codes(s, "violent") == set()
        assert search_codes(s, "burglary") == {"violent-crime"}
    with database.write() as s:
        patrol = s.scalars(select(Activity).where(Activity.code == "MPD-PATROL")).one()
        b.measure(s, patrol, "fires", name="Structure fires", definition="Fires in buildings, by alarm.")
    with database.read() as s:
        assert search_codes(s, "fire") == {"fires"}
        assert search_codes(s, "building") == {"fires"}  # the definition is searched too
    with database.write() as s:
        s.execute(delete(Measure).where(Measure.code == "fires"))
    with database.read() as s:
        assert search_codes(s, "fire") == set()
