"""Schemathesis against the OpenAPI schema: generated requests for every operation, as an
admin, on a separate server over a copy of the store (so generated deletes and
revocations cannot disturb the other tests). Bounded: a few hundred examples."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from .conftest import start_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def fuzz_site(site):
    root = site.root / "fuzz"
    root.mkdir()
    source = sqlite3.connect(site.db.removeprefix("sqlite:///"))
    target = sqlite3.connect(root / "mailward.db")
    with target:
        source.backup(target)
    source.close()
    target.close()
    config = root / "mailward.toml"
    config.write_text(site.config_path.read_text().replace(str(site.root / "var"), str(root / "var")))
    proc, url, _log = start_server(root, f"sqlite:///{root / 'mailward.db'}", config)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


MAX_EXAMPLES = 20


def fuzz(operation, base_url: str, headers: dict[str, str]) -> int:
    """Run generated cases of one operation; return how many calls were made."""
    calls = []

    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=True, database=None)
    @given(case=operation.as_strategy())
    def run(case):
        response = case.call_and_validate(
            base_url=base_url, headers=headers,
            checks=[not_a_server_error, content_type_conformance, response_schema_conformance],
        )
        calls.append(response.status_code)
        assert response.status_code not in (401, 403), (operation.label, response.text)

    run()
    return len(calls)


def test_api_against_its_schema(fuzz_site, site):
    """Every operation (except token revocation, see below) with generated inputs: no 5xx,
    declared content types and response schemas, and the admin token always accepted."""
    schema = schemathesis.openapi.from_url(fuzz_site + "/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {site.tokens['admin']}"}
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()
        # revoking tokens would revoke the one this test uses; tests/web/test_api.py covers it
        if operation.method.upper() == "DELETE" and "/tokens/" in operation.path:
            continue
        count = fuzz(operation, fuzz_site, headers)
        assert count, operation.label
        tested.append((operation.label, count))
    assert len(tested) >= 18, tested
    assert sum(n for _, n in tested) >= 200, tested
