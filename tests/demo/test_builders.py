from __future__ import annotations

import email
import email.policy
import random

import pytest

from mailward.demo import builders
from mailward.demo.esp import ESPS, sending
from mailward.demo.mime import TOKEN_ENCODINGS, recipient_token

RCPT = ("Priya Nakamura", "priya.nakamura@parliament.example")


def _parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def _html(raw: bytes) -> str:
    msg = _parse(raw)
    return next(p for p in msg.walk() if p.get_content_type() == "text/html").get_content()


ALL = [builders.newsletter, builders.journalist_enquiry, builders.recon_lure, builders.phishing,
       builders.constituent, builders.internal, builders.spam]


@pytest.mark.parametrize("build", ALL, ids=lambda f: f.__name__)
def test_builders_are_deterministic_and_parse(build) -> None:
    raw = build(seed=4)
    assert isinstance(raw, bytes)
    assert raw == build(seed=4)
    assert raw != build(seed=5)
    msg = _parse(raw)
    for part in msg.walk():
        if not part.is_multipart():
            part.get_content()
    assert not [d for p in msg.walk() for d in p.defects]
    assert msg["Message-ID"].startswith("<") and msg["From"].addresses
    assert msg["Delivered-To"] == "amelia.whitcombe@parliament.example"


@pytest.mark.parametrize("encoding", TOKEN_ENCODINGS)
def test_recon_lure_token_encodings(encoding: str) -> None:
    raw = builders.recon_lure(RCPT, token=encoding)
    html = _html(raw)
    token = recipient_token(RCPT[1], encoding)
    assert f"https://media.newswire-cdn.com/i/{token}.gif" in html
    assert 'style="display:none"' in html
    assert _parse(raw)["To"].addresses[0].addr_spec == RCPT[1]


def test_recipient_token_values() -> None:
    assert recipient_token("A@b.example", "base64") == "QUBiLmV4YW1wbGU="
    assert recipient_token("A@b.example", "base64url") == "QUBiLmV4YW1wbGU"
    assert recipient_token("A@b.example", "urlencoded") == "A%40b.example"
    assert recipient_token("A@b.example", "sha256-lower") == recipient_token("a@b.example", "sha256")
    assert recipient_token("a@b.example", "opaque", salt="x") != recipient_token("a@b.example", "opaque", salt="y")
    with pytest.raises(ValueError, match="unknown token encoding"):
        recipient_token("a@b.example", "rot13")


def test_recon_lure_through_an_esp() -> None:
    raw = builders.recon_lure(RCPT, claimed="The Economist", sender="briefing@economist-briefings.com",
                              via="sendgrid", beacon="")
    msg = _parse(raw)
    html = _html(raw)
    assert ".ct.sendgrid.net/wf/open?upn=" in html
    assert ".ct.sendgrid.net/ls/click?upn=" in html
    assert "header.d=economist-briefings.com" in msg["Authentication-Results"]
    assert msg["Return-Path"].endswith("@em" + msg["Return-Path"].split("@em")[1])
    assert "economist-briefings.com" in msg["Return-Path"]


@pytest.mark.parametrize("hide", ["display-none", "attr-1px", "css-1px", "ancestor", "opacity",
                                  "css-background"])
def test_recon_lure_hiding_styles(hide: str) -> None:
    html = _html(builders.recon_lure(RCPT, hide=hide))
    beacon_html = html[html.index("Best regards"):]
    assert "media.newswire-cdn.com/i/" in beacon_html
    assert any(s in beacon_html for s in ("display:none", 'width="1"', "width:1px", "opacity:0"))


@pytest.mark.parametrize("esp", ESPS)
def test_newsletter_through_each_esp(esp: str) -> None:
    raw = builders.newsletter(RCPT, outlet="Financial Times", esp=esp)
    msg = _parse(raw)
    assert msg["From"].addresses[0].domain == "ft.com"
    ar = msg["Authentication-Results"]
    assert "dmarc=pass" in ar and "header.from=ft.com" in ar
    assert msg["List-Unsubscribe"]
    s = sending(esp, "ft.com", RCPT[1], random.Random(0), "198.51.100.1")
    host = s.open_url.split("/")[2]
    html = _html(raw)
    assert host.split(".", 1)[1] in html  # the ESP's tracking domain is there
    assert 'width="1" height="1"' in html


def test_newsletter_rejects_unknown_outlet() -> None:
    with pytest.raises(ValueError, match="unknown outlet"):
        builders.newsletter(outlet="Daily Nonsense")


def test_phishing_points_at_lookalike_of_own_domain() -> None:
    html = _html(builders.phishing(RCPT, variant=0))
    assert "https://login.parliarnent.example/owa/" in html
    form = _html(builders.phishing(RCPT, variant=1))
    assert "<form" in form and 'type="password"' in form


def test_journalist_from_official_domain() -> None:
    msg = _parse(builders.journalist_enquiry(RCPT, outlet="Reuters"))
    assert msg["From"].addresses[0].domain == "thomsonreuters.com"
    assert "dkim=pass header.d=thomsonreuters.com" in msg["Authentication-Results"]
    assert "<img" not in _html(builders.journalist_enquiry(RCPT))


def test_journalist_with_a_read_receipt_tracker() -> None:
    raw = builders.journalist_enquiry(RCPT, outlet="The Guardian", tracker=True)
    msg = _parse(raw)
    assert msg["From"].addresses[0].domain == "theguardian.com"
    assert "dkim=pass header.d=theguardian.com" in msg["Authentication-Results"]
    assert "https://mailtrack.io/trace/mail/" in _html(raw)


def test_attachments_are_attached() -> None:
    msg = _parse(builders.constituent(RCPT, attachment=True))
    names = [p.get_filename() for p in msg.iter_attachments()]
    assert "letter.pdf" in names
    pdf = next(p for p in msg.iter_attachments() if p.get_filename() == "letter.pdf")
    assert pdf.get_content().startswith(b"%PDF-")
    assert "José Martínez" in str(msg["From"])


@pytest.mark.parametrize("variant", builders.MALFORMED_VARIANTS)
def test_malformed_variants(variant: str) -> None:
    raw = builders.malformed(RCPT, variant=variant)
    msg = _parse(raw)
    for part in msg.walk():
        if not part.is_multipart():
            part.get_content()
    defects = [d for p in msg.walk() for d in p.defects]
    if variant in ("bad-base64", "broken-boundary"):
        assert defects
    elif variant == "raw-8bit-header":
        assert b"\xe0" in raw  # latin-1 bytes where ASCII was declared
    else:
        assert msg["From"] is None and msg["Date"] is None
    with pytest.raises(ValueError):
        builders.malformed(variant="nope")


def test_forwarded_lure_nests_the_original() -> None:
    raw = builders.forwarded_lure(seed=2)
    assert raw == builders.forwarded_lure(seed=2)
    msg = _parse(raw)
    assert msg["Subject"].startswith("FW: ")
    attached = [p for p in msg.walk() if p.get_content_type() == "message/rfc822"]
    assert len(attached) == 1
    inner = attached[0].get_content()
    assert inner["From"].addresses[0].domain == "reuters-newsdesk.com"
    assert "media.newswire-cdn.com/i/" in inner.as_string()


@pytest.mark.parametrize("variant", [3, 4, 5, 6, 7])
def test_credential_phishing_variants_come_out_phishing(variant: int) -> None:
    from mailward.config import Config
    from mailward.scan import Scanner

    config = Config(data={"organisation": {"name": "Example Parliament", "domains": ["parliament.example", "parl.example"]},
                          "auth": {"trusted_authserv_ids": ["mx.parliament.example"]}})
    result = Scanner(config).scan_bytes(builders.phishing(RCPT, variant=variant), f"variant-{variant}")
    assert str(result.verdict) == "phishing", [f.rule for f in result.findings]


@pytest.mark.parametrize("variant", range(8))
def test_no_demo_lure_is_explained_as_extortion(variant: int) -> None:
    # a credential lure's deadline ("within 24 hours") is no extortion: until December 2026
    # the demo's lures were explained as extortion and no test noticed
    from mailward.scan import Scanner

    result = Scanner().scan_bytes(builders.phishing(RCPT, variant=variant), f"variant-{variant}")
    assert "PHISHING_EXTORTION" not in {f.rule for f in result.findings}
