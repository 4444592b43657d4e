"""Organisation claims beyond the outlet list, the reference data, correspondent lookalikes."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from mailward.identity.organisations import (
    KINDS,
    correspondent_lookalike,
    find_org_claim,
    organisations,
    parse_organisations,
)
from mailward.identity.outlets import ReferenceDataError
from mailward.parse import parse_message


def _msg(display: str, sender: str, body: str) -> object:
    m = EmailMessage()
    m["From"] = f'"{display}" <{sender}>' if display else sender
    m["To"] = "maria.keller@northland-parliament.org"
    m["Subject"] = "hello"
    m.set_content(body)
    return parse_message(m.as_bytes())


def test_reference_data_has_2000_organisations_with_domains_and_sources() -> None:
    orgs = organisations()
    assert len(orgs) >= 2000
    assert {o.kind for o in orgs} == KINDS
    for org in orgs:
        assert org.domains and all("." in d and d == d.lower() for d in org.domains)
        assert org.source.startswith("own site: https://")
    names = [o.name.lower() for o in orgs]
    assert len(names) == len(set(names))


def test_reference_file_is_valid_yaml_with_the_same_entries() -> None:
    from importlib import resources

    import yaml

    text = resources.files("mailward.data").joinpath("organisations.yaml").read_text(encoding="utf-8")
    loaded = yaml.safe_load(text)["organisations"]
    assert [e["name"] for e in loaded] == [o.name for o in organisations()]


def test_block_yaml_form_is_read_too() -> None:
    text = "organisations:\n- name: Example Institute\n  kind: think-tank\n  domains: [example-institute.org]\n  source: own site\n"
    (org,) = parse_organisations(text)
    assert org.name == "Example Institute" and org.domains == ("example-institute.org",)


@pytest.mark.parametrize(
    "text",
    [
        "organisations:\n- {\"name\": \"X\", \"kind\": \"bank\", \"domains\": [\"x.org\"], \"source\": \"s\"}\n",
        "organisations:\n- {\"name\": \"X\", \"kind\": \"ngo\", \"domains\": [], \"source\": \"s\"}\n",
        "organisations:\n- {\"name\": \"X\", \"kind\": \"ngo\", \"domains\": [\"x.org\"]}\n",
        "organisations:\n- {\"name\": \"X\", broken\n",
    ],
)
def test_bad_reference_data_is_a_clear_error(text: str) -> None:
    with pytest.raises(ReferenceDataError):
        parse_organisations(text)


@pytest.mark.parametrize(
    ("display", "sender", "status"),
    [
        ("Dr Anna Weiss, Chatham House", "anna@chathamhouse.org", "holds"),
        ("Dr Anna Weiss, Chatham House", "anna@chathamhouse-research.org", "lookalike"),
        ("Dr Anna Weiss, Chatham House", "anna.weiss@gmail.com", "free-mail"),
        ("Anna Weiss | Stockholm International Peace Research Institute", "anna@policy-notes.net", "unrelated-domain"),
        ("Peter Olsen, OSCE", "peter@osce.org", "holds"),
        ("Peter Olsen, OSCE", "peter@osce-mission.net", "lookalike"),
    ],
)
def test_listed_claims_in_the_display_name(display: str, sender: str, status: str) -> None:
    message = _msg(display, sender, "Hello,\n\nA question.\n")
    claim = find_org_claim(message, sender.split("@")[1], free_mail=sender.endswith("gmail.com"))
    assert claim is not None and claim.listed and claim.where == "display_name"
    assert claim.status == status


def test_unlisted_name_with_an_organisation_word() -> None:
    body = "Dear Ms Keller,\n\nA question.\n\nBest\nAnna Weiss\nSenior Fellow, Centre for Eastern Policy Studies\n"
    own = find_org_claim(_msg("Anna Weiss", "anna@ceps-east.org", body), "ceps-east.org")
    assert own is not None and own.kind == "unlisted" and own.status == "name-in-domain"
    other = find_org_claim(_msg("Anna Weiss", "anna@mail-relay.net", body), "mail-relay.net")
    assert other is not None and other.status == "unrelated-domain"


def test_byline_names_an_outlet() -> None:
    def outlet(name: str) -> tuple[str, tuple[str, ...]] | None:
        return ("Financial Times", ("ft.com",)) if "financial times" in name.lower() else None

    body = "Dear Ms Keller,\n\nI write for the Financial Times and would like to talk.\n\nTom\n"
    claim = find_org_claim(_msg("Tom Reyes", "tom@tomreyes-media.com", body), "tomreyes-media.com", outlet_lookup=outlet)
    assert claim is not None and claim.kind == "news" and claim.where == "byline" and claim.status == "unrelated-domain"
    real = find_org_claim(_msg("Tom Reyes", "tom.reyes@ft.com", body), "ft.com", outlet_lookup=outlet)
    assert real is not None and real.status == "holds"


def test_no_claim_in_ordinary_mail() -> None:
    body = "Hi Maria,\n\nSee you at the meeting on Tuesday.\n\nCheers\nJan\n"
    assert find_org_claim(_msg("Jan Novak", "jan@example.com", body), "example.com") is None
    # an acronym is a claim only as a whole display-name segment, as written
    assert find_org_claim(_msg("Who Cares Ltd", "x@example.com", body), "example.com") is None


@pytest.mark.parametrize(
    ("domain", "target"),
    [
        ("baltic-policy.com", "baltic-policy.org"),  # another TLD
        ("baltic-po1icy.org", "baltic-policy.org"),  # a typo
        ("balticpolicy-events.org", "baltic-policy.org"),  # the name with other words
        ("baltic-policy.org", ""),  # the correspondent itself
        ("mail.baltic-policy.org", ""),
        ("unrelated.net", ""),
    ],
)
def test_correspondent_lookalike(domain: str, target: str) -> None:
    assert correspondent_lookalike(domain, ["baltic-policy.org", "example.com"]) == target
