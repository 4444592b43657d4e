"""Golden files of the parsed model for the project's own sample messages.

Refresh on purpose with `pytest tests/core --update-golden`, then review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mailward.modeljson import message_to_json
from mailward.parse import parse_message

from .samples import SAMPLES

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_parse_matches_golden(name: str, update_golden: bool) -> None:
    message = parse_message(SAMPLES[name])
    got = json.loads(json.dumps(message_to_json(message), ensure_ascii=False))
    path = GOLDEN / f"{name}.json"
    if update_golden:
        path.write_text(json.dumps(got, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    assert path.exists(), f"no golden file for {name}: run pytest --update-golden"
    want = json.loads(path.read_text(encoding="utf-8"))
    assert got == want
