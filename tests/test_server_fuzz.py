"""Schema-based fuzzing: every operation in the OpenAPI schema gets valid and invalid
requests that schemathesis derives from the schema, sent to the real server.

Whatever comes in, the answer is never a 5xx, every refusal is JSON naming the
problem, and the server is still up afterwards. Bounded for the suite's time
budget: a few examples per operation and mode, derandomised so a run repeats.
"""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from poseloops.server import Settings, create_app

from .server_harness import shared_server

EXAMPLES_PER_MODE = 50  # x 2 modes x 16 operations: about 1300 requests, well under a minute here
OPERATIONS = sorted(
    (method.upper(), path)
    for path, methods in create_app(Settings(preload=False)).openapi()["paths"].items()
    for method in methods
)
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@pytest.fixture(scope="module")
def server():
    return shared_server()


@pytest.fixture(scope="module")
def schema(server):
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json")


def check_answer(response) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:500])
    content_type = response.headers.get("content-type", [""])[0]  # schemathesis keeps every value of a header
    if response.status_code >= 400:
        assert content_type.startswith("application/json"), content_type
        body = response.json()
        assert isinstance(body.get("detail"), str) and body["detail"], body
        assert "field" in body, body


@pytest.mark.slow
@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_request_makes_a_server_error(schema, server, method, path):
    operation = schema[path][method]
    sent = 0
    for mode in MODES:

        @settings(
            max_examples=EXAMPLES_PER_MODE,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def fuzz(case):
            nonlocal sent
            check_answer(case.call(base_url=server.url, timeout=60))
            sent += 1

        try:
            fuzz()
        except Unsatisfiable:
            # an operation with nothing to get wrong (GET /api/kits) has no invalid requests
            assert mode is GenerationMode.NEGATIVE
    print(f"{method} {path}: {sent} requests")
    assert sent > 0
    assert server.alive()
    assert httpx.get(f"{server.url}/api/health", timeout=10).status_code == 200
