from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys

import pytest

from mailward.config import Config, ConfigError
from mailward.identity import IdentitySettings, InMemorySenderHistory, analyse_identity
from mailward.model import Envelope

from .helpers import ORG, PLAIN, message


def test_reply_to_other_registrable_domain():
    report = analyse_identity(message("Jo <jo@example.com>", reply_to="desk@elsewhere.example.net"), PLAIN)
    assert report.sending.reply_to_other_domain and not report.sending.reply_to_free_mail
    assert any("outside the sender's domain example.com" in e for e in report.explanations)


def test_reply_to_same_registrable_domain_is_fine():
    report = analyse_identity(message("Jo <jo@news.example.com>", reply_to="desk@example.com"), PLAIN)
    assert not report.sending.reply_to_other_domain and report.explanations == ()


def test_reply_to_free_mail():
    report = analyse_identity(message('"BBC News" <news@bbc.co.uk>', reply_to="bbc.newsdesk@gmail.com"), PLAIN)
    assert report.sending.reply_to_free_mail
    [claim] = report.claims
    assert claim.reply_to_elsewhere
    assert any("free-mail address bbc.newsdesk@gmail.com" in e for e in report.explanations)


@pytest.mark.parametrize(
    ("from_", "reply_to", "other"),
    [
        ("Kaya <kayafontane56@gmail.com>", "kaya.fontane@hotmail.com", True),  # another provider
        ("Jean <jeansmith2028@gmail.com>", "jeansmith2059@gmail.com", True),  # another mailbox, same provider
        ("Jean <JeanSmith2028@gmail.com>", "jeansmith2028@gmail.com", False),  # the same mailbox
        ("Jo <jo@example.com>", "jo.private@gmail.com", False),  # From is not free mail: reply_to_free_mail
        ("Jean <jeansmith2028@gmail.com>", "desk@example.com", False),  # the Reply-To is not free mail
    ],
)
def test_reply_to_another_free_mailbox(from_: str, reply_to: str, other: bool):
    sending = analyse_identity(message(from_, reply_to=reply_to), PLAIN).sending
    assert sending.reply_to_free_other is other
    assert not (sending.reply_to_free_other and sending.reply_to_free_mail)


def test_reply_to_lookalike():
    report = analyse_identity(message("Jo <jo@example.com>", reply_to="desk@reuters-desk.com"), PLAIN)
    assert report.sending.reply_to_lookalike is not None and report.lookalike


def test_first_contact():
    history = InMemorySenderHistory()
    env = Envelope(rcpt_to=("mp@parliament.example",))
    history.record("colleague@example.org", ["mp@parliament.example"])
    history.record("other@example.org", ["aide@parliament.example"])

    known = analyse_identity(message("C <colleague@example.org>", envelope=env), PLAIN, history)
    assert known.first_contact.known and not known.first_contact.address
    assert known.first_contact.previous_messages == 1

    same_domain = analyse_identity(message("N <new@example.org>", envelope=env), PLAIN, history)
    assert same_domain.first_contact.address and not same_domain.first_contact.domain
    assert not same_domain.first_contact.organisation

    stranger = analyse_identity(message('"Reuters" <desk@reuters-newsdesk.com>', envelope=env), PLAIN, history)
    fc = stranger.first_contact
    assert fc.address and fc.domain and fc.organisation
    assert any("First message from desk@reuters-newsdesk.com" in e for e in stranger.explanations)


def test_no_history_means_no_first_contact_flags():
    fc = analyse_identity(message("Jo <jo@example.com>"), PLAIN).first_contact
    assert not fc.known and not fc.address


def test_settings_from_config():
    config = Config(
        data={
            "organisation": {
                "name": "Parliament of Examplia",
                "domains": ["Parliament.Example", "examplia.example"],
                "people": [{"name": "Jane Minister", "addresses": ["Jane.Minister@parliament.example"], "role": "MP"}],
            },
            "auth": {"trusted_authserv_ids": ["MX.parliament.example"], "live": True, "dns_timeout": 2},
        }
    )
    settings = IdentitySettings.from_config(config)
    assert settings.organisation == "Parliament of Examplia"
    assert settings.domains == ("parliament.example", "examplia.example")
    assert settings.people[0].addresses == ("jane.minister@parliament.example",)
    assert settings.trusted_authserv_ids == ("mx.parliament.example",)
    assert settings.live and settings.dns_timeout == 2.0
    defaults = IdentitySettings.from_config(Config())
    assert defaults.trusted_authserv_ids == () and not defaults.live


@pytest.mark.parametrize(
    ("data", "message_part"),
    [
        ({"organisation": {"people": [{"addresses": []}]}}, "needs a name"),
        ({"organisation": {"domains": "x"}, "auth": {"live": "yes"}}, "[auth] live: Input should be a valid boolean"),
        ({"organisation": {"domains": [1, 2]}}, "[organisation] domains[0]: Input should be a valid string"),
        ({"auth": {"dns_timeout": -1}}, "dns_timeout"),
        ({"organisation": []}, "[organisation] must be a table"),
    ],
)
def test_settings_errors_are_clear(data, message_part):
    with pytest.raises(ConfigError, match=None) as err:
        IdentitySettings.from_config(Config(data=data))
    assert message_part in str(err.value)


def test_org_settings_are_hashable_and_cached():
    same = IdentitySettings(**{f.name: getattr(ORG, f.name) for f in dataclasses.fields(ORG) if f.init})
    assert same == ORG and hash(same) == hash(ORG)
    assert hash(dataclasses.replace(ORG, organisation="Another House")) != hash(ORG)


class _CountedPerson:
    """Stands for a Person and counts how often it is hashed."""

    hashed = 0

    def __hash__(self) -> int:
        _CountedPerson.hashed += 1
        return 1


def test_settings_hash_is_computed_once_not_per_lookup():
    """Per-process caches are keyed by the settings several times a message: a hash
    that walked every protected person each time cost a third of a scan's CPU with
    975 people."""
    settings = IdentitySettings(people=(_CountedPerson(),))  # type: ignore[arg-type]
    assert _CountedPerson.hashed == 1
    cache = {settings: "catalogue"}
    for _ in range(10):
        assert cache[settings] == "catalogue"
        hash(settings)
    assert _CountedPerson.hashed == 1


def test_settings_hash_is_computed_again_in_another_process():
    """String hashes differ between processes: a worker must not keep the parent's."""
    code = (
        "import pickle, sys\n"
        "from mailward.identity import IdentitySettings\n"
        "got = pickle.loads(sys.stdin.buffer.read())\n"
        "fresh = IdentitySettings(organisation=got.organisation, domains=got.domains)\n"
        "print(got == fresh and hash(got) == hash(fresh))\n"
    )
    settings = IdentitySettings(organisation="House of Examples", domains=("parliament.example",))
    out = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(settings), capture_output=True,
                         env={**os.environ, "PYTHONHASHSEED": "12345"}, check=True).stdout
    assert out.strip() == b"True"
