"""Schemathesis over the whole API: every operation of the OpenAPI document, as a place, a sponsor
and the operator, with inputs generated from the document (valid ones, and invalid ones that break
each of its constraints). It fails on any 5xx and on any answer the document does not describe
(status code, content type, body schema).

Bounded and deterministic: a fixed seed, derandomized Hypothesis, MAX_EXAMPLES random examples per
operation and role on top of the coverage phase's boundary cases (about 3,200 requests in all), no
example database and no shrinking, so a run is the same everywhere and takes a minute or so of CPU.
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from passnum.accounts.enums import OrganisationKind
from passnum.api.main import api
from tests.factories import PlaceFactory, api_token_for, make_acting, make_order

MAX_EXAMPLES = 15
SEED = 20_261_129
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {
            "mode": "all",  # valid inputs, and inputs that break one constraint each
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            "no-shrink": True,  # a failure shows its first example (and how to reproduce it)
        },
        "phases": {"stateful": {"enabled": False}},
    }
)


class _App(WSGIHandler):
    """Django's WSGI application, called in-process by schemathesis (werkzeug's test client)."""


schema = schemathesis.openapi.from_dict(
    api.get_openapi_schema(path_prefix="/api/v1"), config=CONFIG
)
schema.app = _App()


@pytest.fixture
def one_connection():
    """Every request uses the test's connection and its transaction, as Django's test client
    does: a request must not close the connection between two examples."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(db, one_connection, settings) -> dict[str, str]:
    """A place (provider with a qualified place), a sponsor with a paid order, the operator."""
    settings.PASSNUM_CODE_CHECKS_PER_MINUTE = 10**6  # explore the endpoints, not the throttle
    settings.PASSNUM_CODE_CHECKS_PER_MINUTE_PER_ADDRESS = 10**6
    provider = make_acting(OrganisationKind.PROVIDER)
    PlaceFactory(organisation=provider.organisation)
    sponsor = make_acting(OrganisationKind.SPONSOR)
    operator = make_acting(OrganisationKind.OPERATOR)
    make_order(sponsor=sponsor, operator=operator, quantity=10)
    return {
        "provider": api_token_for(provider),
        "sponsor": api_token_for(sponsor),
        "operator": api_token_for(operator),
    }


@pytest.mark.parametrize("role", ["provider", "sponsor", "operator"])
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_documented(case, role, tokens):
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {tokens[role]}"}
    case.call_and_validate(checks=CHECKS)
