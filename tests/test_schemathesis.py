"""The API probed from its own OpenAPI document, for every role: no 5xx, every status and
body as the document says. Bounded: a few examples per operation and role, no deadline per
example (the machine is shared), a fixed seed so a run is repeatable."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from matcher.budget import EncoderBudget, FailedAttempts
from tests.api_fixtures import Api, make_api
from tests.conftest import DEMO_DIR

EXAMPLES = 10  # generated per operation, beside the document's examples
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _probed() -> Api:
    """The demo cluster (the document's examples name its records) on the hashing encoder;
    the budgets, tested on their own, are opened wide: the probe is of the routes."""
    folder = Path(tempfile.mkdtemp(prefix="probed-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    api = make_api(folder, DEMO_DIR, member_org="ru-050")
    api.service.budget = EncoderBudget(burst=1e12)
    api.client.app.state.failed_keys = FailedAttempts(limit=10**9)  # type: ignore[attr-defined]
    return api


# built when the module is collected: schemathesis makes one test per operation from it
PROBED = _probed()
schema = schemathesis.openapi.from_asgi("/openapi.json", PROBED.client.app)
# the coverage phase (every boundary and negative case the document implies) costs about
# four times the rest on this machine; it runs with PROBE_COVERAGE=1 (see RELIABILITY.md)
schema.config.phases.coverage.enabled = os.environ.get("PROBE_COVERAGE") == "1"


@pytest.fixture
def probed() -> Api:
    return PROBED


# every generated request is sent with each role's key in turn (staff last, since its
# writes succeed and change what the next example finds)
ROLES = [None, "investor", "member", "staff"]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_document(case, probed: Api) -> None:  # type: ignore[no-untyped-def]
    for role in ROLES:
        case.call_and_validate(headers=probed.as_role(role), checks=CHECKS)


def test_the_document_is_served_and_names_every_route(probed: Api) -> None:
    doc = probed.client.get("/openapi.json").json()
    assert len(doc["paths"]) >= 20 and "/v1/search" in doc["paths"]
