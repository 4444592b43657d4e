"""The behaviour facts (``recon``): personal, salutation, bulk markers, who runs the load."""

from __future__ import annotations

from typing import Any

import pytest

from mailward.config import Config
from mailward.identity import InMemorySenderHistory
from mailward.parse import parse_message
from mailward.pipeline import Analyser
from mailward.rules.schema import schema_problems
from tests.recon import adversarial as adv


@pytest.fixture(scope="module")
def analyser() -> Analyser:
    return Analyser(Config(), history=InMemorySenderHistory())


def _recon(analyser: Analyser, raw: bytes) -> dict[str, Any]:
    facts = analyser.analyse(parse_message(raw)).facts
    assert schema_problems(facts) == []
    return dict(facts["recon"])


def test_personal_message_with_address_pixel_on_own_domain(analyser: Analyser) -> None:
    recon = _recon(analyser, adv.regional_paper(0)[0].raw)
    assert recon["personal"] and recon["salutation"] == "name" and recon["bulk_markers"] == []
    assert recon["load_token"] == "address" and recon["load_hiding"] == "hidden"
    assert recon["load_operator"] == "own_domain"


def test_newsletter_is_not_personal(analyser: Analyser) -> None:
    recon = _recon(analyser, adv.regional_paper(0)[1].raw)
    assert not recon["personal"]
    assert "list-unsubscribe" in recon["bulk_markers"] and "mail-service" in recon["bulk_markers"]


def test_sales_tool_and_shortener_and_third_party(analyser: Analyser) -> None:
    assert _recon(analyser, adv.freelance_own_domain(0)[1].raw)["load_operator"] in ("sales_tool", "")
    assert _recon(analyser, adv.compromised_account(0)[0].raw)["load_operator"] == "shortener"
    assert _recon(analyser, adv.compromised_account(1)[0].raw)["load_operator"] == "third_party"


@pytest.mark.parametrize(
    ("greeting", "kind"),
    [("Dear Ms Keller,", "name"), ("Hello Maria,", "name"), ("Dear Minister,", "role"),
     ("Dear Sir or Madam,", "generic"), ("Hi there,", "generic"), ("Thanks for the call.", "")],
)
def test_salutation(analyser: Analyser, greeting: str, kind: str) -> None:
    text = f"{greeting}\n\nA short note.\n\nBest\nJan"
    raw = adv._message(sender="jan@example.com", display="Jan", subject="Note", text=text,
                       html=adv._html(text, "https://example.com/logo.png", hidden="visible"))
    assert _recon(analyser, raw)["salutation"] == kind


def test_protected_recipient_from_the_configuration() -> None:
    config = Config({"organisation": {"name": "Northland Parliament", "domains": ["northland-parliament.org"],
                                      "people": [{"name": "Maria Keller", "addresses": [adv.READER]}]}})
    analyser = Analyser(config, history=InMemorySenderHistory())
    assert _recon(analyser, adv.regional_paper(1)[0].raw)["protected_recipient"] == "Maria Keller"


def test_history_says_whether_the_load_host_is_new() -> None:
    history = InMemorySenderHistory()
    raw = adv.compromised_account(1)[0].raw
    message = parse_message(raw)
    sender = message.sender_address.addr if message.sender_address else ""
    for _ in range(2):
        history.record(sender, [adv.READER], hosts=["www.uni-hamburg.de"])
    recon = _recon(Analyser(Config(), history=history), raw)
    assert recon["new_load_host"] == "new" and recon["aligned_known_sender"]
    history.record(sender, [adv.READER], hosts=["www.bakery-1.example-shop.com"])
    assert _recon(Analyser(Config(), history=history), raw)["new_load_host"] == "seen"
    # a history that records no hosts cannot tell
    assert _recon(Analyser(Config(), history=InMemorySenderHistory()), raw)["new_load_host"] == ""
