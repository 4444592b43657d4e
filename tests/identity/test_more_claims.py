from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mailward.identity import analyse_identity
from mailward.identity.lookalike import LookalikeMatch
from mailward.identity.report import (
    AuthSummary,
    Claim,
    FirstContact,
    IdentityReport,
    SendingIdentity,
)
from mailward.parse import parse_message

from .helpers import PLAIN, TOP, message

DOCS = Path(__file__).resolve().parents[2] / "docs" / "identity.md"


def test_edition_of_a_short_name_is_a_claim():
    report = analyse_identity(message('"The Economist Asia Briefing" <editors@asia-policy-review.com>'), PLAIN)
    assert [c.name for c in report.claims] == ["The Economist"]
    assert report.claim_fails


def test_beat_before_a_role_is_not_an_outlet():
    body = "Hello,\n\nA question on the report.\n\nRuth Jovanovic\nForeign Affairs Reporter, Le Monde\n"
    report = analyse_identity(message("Ruth Jovanovic <ruth.jovanovic@lemonde.fr>", body=body), PLAIN)
    assert [(c.name, c.kind, c.person) for c in report.claims] == [("Le Monde", "journalist", "")]


def test_freelancer_on_free_mail():
    body = "Hello,\n\nCould we talk?\n\nHana Vance\nFreelance journalist (recent work for Reuters), Reuters\n"
    report = analyse_identity(message("Hana Vance <hana.vance79@proton.me>", body=body), PLAIN)
    [claim] = report.claims
    assert claim.freelance and claim.status == "free-mail"
    assert "says they are a freelancer" in report.explanations[0]


def test_surname_containing_an_outlet_name_is_not_a_claim():
    assert analyse_identity(message("<ines.delacroix@hotmail.com>"), PLAIN).claims == ()


def test_outlet_name_in_a_non_latin_script():
    report = analyse_identity(message('"人民日报记者 王伟" <wangwei@example.cn>'), PLAIN)
    assert [c.name for c in report.claims] == ["People's Daily"]


def test_html_only_signature():
    raw = (
        b"From: Jane Doe <jane@example.net>\r\nTo: mp@parliament.example\r\nSubject: Question\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><body><p>Dear Sir,</p><p>could we speak?</p><p>Jane Doe<br>Correspondent, "
        b"The Guardian<br>+44 20 3353 2000</p><style>p{color:red}</style></body></html>\r\n"
    )
    report = analyse_identity(parse_message(raw), PLAIN)
    assert [(c.name, c.where, c.kind) for c in report.claims] == [("The Guardian", "signature", "journalist")]


def test_message_without_from_or_body_does_not_raise():
    report = analyse_identity(parse_message(b"Subject: nothing\r\n\r\n"), PLAIN)
    assert report.claims == () and report.sending.from_addr == ""
    report = analyse_identity(parse_message(b"\x00\xff garbage"), PLAIN)
    assert report.impersonation is False


@pytest.mark.parametrize("garbage", ["From: =?utf-8?b?////?= <@>", "From: \"\" <a@>", "From: <a@xn--zz>"])
def test_odd_addresses_do_not_raise(garbage):
    raw = f"{garbage}\r\nSubject: x\r\nAuthentication-Results: {TOP}; dkim=pass header.d=\r\n\r\nbody\r\n".encode()
    analyse_identity(parse_message(raw), PLAIN)


@pytest.mark.parametrize("cls", [IdentityReport, Claim, SendingIdentity, AuthSummary, FirstContact, LookalikeMatch])
def test_every_report_field_is_documented(cls):
    text = DOCS.read_text(encoding="utf-8")
    missing = [f.name for f in dataclasses.fields(cls) if f"| `{f.name}` |" not in text]
    assert missing == [], f"{cls.__name__} fields missing from docs/identity.md: {missing}"
