"""mailward.pipeline: the order of analysis and who owns each facts section."""

from __future__ import annotations

from mailward.pipeline import ANALYSERS, MODEL_STEP, SECTION_OWNERS, Analyser
from mailward.rules.schema import SCHEMA

from .samples import SAMPLES


def test_every_facts_section_has_exactly_one_owner() -> None:
    assert set(SECTION_OWNERS) == set(SCHEMA)
    steps = {name for name, _ in ANALYSERS}
    # the content model runs after the facts are built, on them (Analyser.score_model)
    assert set(SECTION_OWNERS.values()) <= steps | {"message", "links", MODEL_STEP}


def test_analysers_run_in_the_listed_order_and_a_failure_is_noted(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from mailward import pipeline
    from mailward.parse import parse_message

    ran: list[str] = []

    def make(name: str):  # type: ignore[no-untyped-def]
        def step(message, context, found) -> None:  # type: ignore[no-untyped-def]
            ran.append(name)
            if name == "identity":
                raise RuntimeError("boom")
        return step

    monkeypatch.setattr(pipeline, "ANALYSERS", tuple((name, make(name)) for name, _ in ANALYSERS))
    errors: list[str] = []
    found = Analyser().run(parse_message(next(iter(SAMPLES.values()))), errors)
    assert ran == [name for name, _ in ANALYSERS]
    assert errors == ["identity analysis failed: RuntimeError: boom"]
    assert found.identity is None
