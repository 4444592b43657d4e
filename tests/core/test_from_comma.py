"""An unquoted comma in a From display name is one mailbox, not two (MIME_MULTIPLE_FROM)."""

from __future__ import annotations

import pytest

from mailward import headers
from mailward.config import Config
from mailward.model import Defect
from mailward.scan import Scanner


def _message(from_value: str) -> bytes:
    return (f"From: {from_value}\r\nTo: maria@example.org\r\nSubject: Agenda\r\n"
            "Date: Tue, 03 Mar 2026 09:15:00 +0000\r\nMessage-ID: <a1@example.org>\r\n\r\n"
            "The agenda for Tuesday is attached.\r\n").encode()


@pytest.mark.parametrize(("value", "name", "addr"), [
    ("Doe, John <john@example.org>", "Doe, John", "john@example.org"),
    ("O'Neill, Mary-Kate <mk@example.ie>", "O'Neill, Mary-Kate", "mk@example.ie"),
    ("=?utf-8?q?M=C3=BCller=2C_Hans?= <hans@example.de>", "Müller, Hans", "hans@example.de"),
])
def test_comma_in_display_name_is_one_mailbox(value: str, name: str, addr: str) -> None:
    defects: list[Defect] = []
    parsed = headers.parse_addresses([value], "From", defects)
    assert [(a.display_name, a.addr) for a in parsed] == [(name, addr)]
    assert defects == []


@pytest.mark.parametrize("value", [
    "a@example.org, b@example.net",
    "Doe, John <john@example.org>, Amy <amy@example.net>",
])
def test_two_addresses_stay_two(value: str) -> None:
    assert len(headers.parse_addresses([value], "From", [])) >= 2


def test_multiple_from_rule_quiet_on_comma_name_and_fires_on_two_addresses() -> None:
    scanner = Scanner(Config())
    one = scanner.scan_bytes(_message("Doe, John <john@example.org>"))
    assert one.facts["sender"]["from_count"] == 1
    assert one.facts["sender"]["address"] == "john@example.org"
    assert "MIME_MULTIPLE_FROM" not in {f.rule for f in one.findings}
    two = scanner.scan_bytes(_message("john@example.org, amy@example.net"))
    assert "MIME_MULTIPLE_FROM" in {f.rule for f in two.findings}


@pytest.mark.parametrize("value", [
    "Microsoft account team ,_<no-reply@example.net>",  # junk after the comma
    "HUUSK-MESSER, Offer <service@example.net>",  # a shouted brand before the comma
    "Garden Shears, qxzt <service@example.net>",  # a lower-case token after the comma
    "Garden Shears, Garden Shears <service@example.net>",  # one name written twice
    '"Garden Shears", Offer <service@example.net>',  # a quoted piece before the comma
])
def test_spam_kit_commas_still_hide_the_address(value: str) -> None:
    parsed = headers.parse_addresses([value], "From", [])
    assert len(parsed) >= 2
    assert "@" not in parsed[0].addr
