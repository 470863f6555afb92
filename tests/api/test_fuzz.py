"""schemathesis fuzzes the open data API over real HTTP against its own OpenAPI document (generated
from the response models): no server error, every status, header, content type and body as
documented, bad parameters refused and good ones accepted. Bounded: a few derandomized examples
per operation, on SQLite (the other API tests cover PostgreSQL's behaviour)."""

from __future__ import annotations

import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, settings

from api.openapi import DOCUMENT
from tests.web import TIMEOUT

pytestmark = pytest.mark.leak_city

#: Examples per operation and per generation mode (valid and invalid data): enough to reach every
#: parameter's edges, few enough for the suite to stay a few minutes long.
#: AIM_FUZZ_EXAMPLES raises it for a longer hunt (`AIM_FUZZ_EXAMPLES=200 pytest tests/api/test_fuzz.py`).
EXAMPLES = int(os.environ.get("AIM_FUZZ_EXAMPLES", "12"))


@pytest.fixture(scope="module")
def backend() -> str:
    """SQLite only: what is fuzzed is the API's contract, not the database."""
    return "sqlite"


# The document the server serves (api/openapi.py builds it once per process; a test below checks the
# served one is the same). Not schemathesis' from_fixture: its lazy loading breaks on pytest 9.
schema = schemathesis.openapi.from_dict(DOCUMENT)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same examples every run: a failure reproduces, the run time is steady
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_every_generated_request_as_documented(case, shared_site):
    case.call_and_validate(base_url=shared_site)


def test_the_fuzzed_document_is_the_one_served(shared_site):
    assert requests.get(f"{shared_site}/api/v1/openapi.json", timeout=TIMEOUT).json() == DOCUMENT
