"""An attached message (message/rfc822) is analysed as a message of its own
(``mailward.pipeline.Analyser.attached_facts`` and ``judge``): a lure sent as an .eml
behind "please see the attached message" is the lure, whatever the outer message says."""

from __future__ import annotations

from dataclasses import replace
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from mailward import pipeline
from mailward.config import Config, load_config
from mailward.parse import parse_message
from mailward.pipeline import ATTACHED, Analyser, attached_view
from mailward.result import Verdict
from mailward.scan import Scanner
from mailward.share.reverdict import Reevaluator
from tests.rules.phishing_adversarial import AUTHSERV, LURES, Draft, _write

CONFIG = Path(__file__).resolve().parents[2] / "src" / "mailward" / "rules" / "builtin" / "samples" / "mailward.toml"
COLLEAGUE = "jonas.brandt@northland-parliament.org"


def _config(**sections: Any) -> Config:
    loaded = load_config(CONFIG)
    data = {k: v for k, v in loaded.data.items() if k != "model"}  # the rules alone
    data.update(sections)
    return Config(data, loaded.path)


def _lure(name: str = "paypal-limited") -> Draft:
    lure = next(item for item in LURES if item.name == name)
    return Draft(lure.display, lure.sender, lure.subject, lure.words, lure.link, lure.action)


def _forward(*inner: bytes, sender: str = COLLEAGUE, words: str = "Please see the attached message.") -> bytes:
    """A plain note from ``sender`` with each of ``inner`` attached as a message."""
    msg = EmailMessage()
    msg["Authentication-Results"] = (f"{AUTHSERV}; spf=pass smtp.mailfrom={sender}; dkim=pass "
                                     f"header.d={sender.rsplit('@', 1)[1]}; dmarc=pass header.from={sender.rsplit('@', 1)[1]}")
    msg["From"] = f"Notifications <{sender}>"
    msg["To"] = "Maria Keller <maria.keller@northland-parliament.org>"
    msg["Subject"] = "Notification"
    msg["Date"] = "Tue, 03 Mar 2026 09:15:00 +0000"
    msg["Message-ID"] = f"<fwd-{len(inner)}-{abs(hash(inner)) % 10**8}@northland-parliament.org>"
    msg.set_content(words)
    for data in inner:
        msg.add_attachment(message_from_bytes(data, _class=EmailMessage, policy=email_policy.default))
    return msg.as_bytes()


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(_config())


@pytest.mark.parametrize("lure", [lure.name for lure in LURES])
def test_a_lure_attached_as_a_message_is_the_lure(scanner: Scanner, lure: str) -> None:
    inner = _write(_lure(lure), "attack", 1)
    direct = scanner.scan_bytes(inner)
    assert direct.verdict is Verdict.PHISHING
    outer_only = scanner.scan_bytes(_forward())
    assert outer_only.verdict is Verdict.CLEAN  # the note alone says nothing
    result = scanner.scan_bytes(_forward(inner))
    assert result.verdict is Verdict.PHISHING
    attached = [f for f in result.findings if f.evidence.get("attached_message") == "2"]
    assert attached and all(f.summary.startswith("In the attached message (part 2): ") for f in attached)
    # every rule the lure meets on its own, and those that read its authentication as
    # missing (an attached message vouches for nothing)
    assert {f.rule for f in direct.findings} <= {f.rule for f in attached}


def test_the_attached_message_facts_are_kept_for_the_rules_and_the_store() -> None:
    analyser = Analyser(_config())
    analysis = analyser.analyse(parse_message(_forward(_write(_lure(), "attack", 1))))
    entries = analysis.facts[ATTACHED]
    assert [e["part"] for e in entries] == ["2"]
    assert entries[0]["facts"]["brand"]["name"] == "PayPal"
    # mailward rescan judges stored facts the same way, attached messages included
    stored = {k: v for k, v in analysis.facts.items()}
    verdict, _, findings, _, _ = Reevaluator(_config()).judge(stored)
    assert verdict is analysis.verdict is Verdict.PHISHING
    assert [f["rule"] for f in findings] == [f.rule for f in analysis.findings]


def test_an_attached_message_does_not_vouch_for_itself(scanner: Scanner) -> None:
    # the brand's own address, and an Authentication-Results in the receiving server's
    # name that says it passed: written by whoever wrote the .eml
    forged = replace(_lure(), sender="service@paypal.com")
    inner = _write(forged, "attack", 1)
    parsed = parse_message(inner)
    assert any(r.method == "dmarc" and r.result == "pass" for r in parsed.auth_results)
    view = attached_view(parsed)
    assert view.auth_results == () and view.received == () and view.envelope is None
    result = scanner.scan_bytes(_forward(inner))
    assert result.verdict is Verdict.PHISHING
    assert "PHISHING_BRAND_UNVERIFIED_OFFSITE" in {f.rule for f in result.findings}


def test_a_genuine_notice_forwarded_as_an_attachment_stays_clean(scanner: Scanner) -> None:
    lure = next(item for item in LURES if item.name == "sharepoint-share")
    genuine = Draft(lure.display, lure.genuine_sender, lure.genuine_subject or lure.subject,
                    lure.genuine_words, lure.official_link, "Open")
    result = scanner.scan_bytes(_forward(_write(genuine, "genuine", 1)))
    assert result.verdict is Verdict.CLEAN, [f.rule for f in result.findings]


def test_an_allowed_sender_keeps_its_own_verdict_unless_malicious() -> None:
    allowed = Scanner(_config(policy={"allow": {"senders": [COLLEAGUE]}}))
    result = allowed.scan_bytes(_forward(_write(_lure(), "attack", 1)))
    assert result.verdict is Verdict.CLEAN
    assert any(f.evidence.get("attached_message") == "2" for f in result.findings)  # still shown


def test_attached_messages_are_analysed_within_a_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    analyser = Analyser(_config())
    inner = _write(_lure(), "attack", 1)
    seen: list[str] = []
    real = pipeline.attached_view

    def counting(message: Any) -> Any:
        seen.append(message.message_id)
        return real(message)

    monkeypatch.setattr(pipeline, "attached_view", counting)
    many = parse_message(_forward(*[inner] * (pipeline.MAX_ATTACHED_MESSAGES + 3)))
    analysis = analyser.analyse(many)
    assert len(seen) == pipeline.MAX_ATTACHED_MESSAGES
    assert analysis.verdict is Verdict.PHISHING
    # nested deeper than MAX_ATTACHED_DEPTH: the deepest is not analysed as a message
    seen.clear()
    nested = inner
    for _ in range(pipeline.MAX_ATTACHED_DEPTH + 1):
        nested = _forward(nested)
    analysis = analyser.analyse(parse_message(nested))
    assert len(seen) == pipeline.MAX_ATTACHED_DEPTH
    assert analysis.verdict is Verdict.CLEAN


def test_findings_of_a_message_attached_to_an_attached_message_name_the_path(scanner: Scanner) -> None:
    result = scanner.scan_bytes(_forward(_forward(_write(_lure(), "attack", 1))))
    assert result.verdict is Verdict.PHISHING
    deep = [f for f in result.findings if f.evidence.get("attached_message") == "2/2"]
    assert deep and deep[0].summary.startswith("In the attached message (part 2): In the attached message (part 2): ")


def test_explain_shows_the_attached_message_facts_of_its_findings(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from mailward.cli import cli
    from mailward.pipeline import facts_at

    path = tmp_path / "forward.eml"
    path.write_bytes(_forward(_write(_lure(), "attack", 1)))
    config = tmp_path / "mailward.toml"
    text = CONFIG.read_text("utf-8").split("[model]")[0]  # the rules alone, as above
    config.write_text(text, "utf-8")
    out = CliRunner().invoke(cli, ["explain", str(path), "--config", str(config)])
    assert out.exit_code == 0, out.output
    assert "verdict: phishing" in out.output
    block = out.output.split("\nPHISHING_BRAND_CREDENTIAL ")[1].split("\n\n")[0]
    assert 'evidence attached_message: "2"' in block
    # the attached message's facts: the outer note claims no brand
    assert "fact brand.claimed = true" in block and 'fact brand.status = "unrelated-domain"' in block
    facts = Analyser(_config()).analyse(parse_message(path.read_bytes())).facts
    assert facts_at(facts, "2")["brand"]["name"] == "PayPal"
    assert facts_at(facts, "") is facts and facts_at(facts, "9") is facts


def test_the_verdict_of_the_note_on_its_own_is_kept() -> None:
    from mailward.pipeline import OWN_VERDICT

    analyser = Analyser(_config())
    facts = analyser.analyse(parse_message(_forward(_write(_lure(), "attack", 1)))).facts
    assert facts[OWN_VERDICT] == "clean"
    assert OWN_VERDICT not in analyser.analyse(parse_message(_write(_lure(), "attack", 1))).facts


def _with_file(data: bytes, ctype: str, filename: str, cte: str = "base64") -> bytes:
    maintype, subtype = ctype.split("/")
    body = data if cte != "base64" else __import__("base64").encodebytes(data)
    return (b"From: Notifications <it@example.net>\nTo: maria.keller@northland-parliament.org\nSubject: Notification\n"
            b"Date: Tue, 03 Mar 2026 09:15:00 +0000\nMessage-ID: <file-1@example.net>\nMIME-Version: 1.0\n"
            b"Content-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\n"
            b"Please see the attached message.\n--XX\n"
            + f"Content-Type: {maintype}/{subtype}\nContent-Transfer-Encoding: {cte}\n"
              f"Content-Disposition: attachment; filename=\"{filename}\"\n\n".encode() + body + b"\n--XX--\n")


@pytest.mark.parametrize(("ctype", "filename"), [
    ("application/octet-stream", "Invoice.eml"),  # a saved message sent as a file: clients open it as a message
    ("text/plain", "Statement.EML"),
    ("message/rfc822", "Message.eml"),  # base64, which RFC 2046 forbids for message/rfc822 and clients decode
    ("message/rfc822", ""),
])
def test_a_message_sent_as_a_file_or_base64_is_analysed_as_a_message(scanner: Scanner, ctype: str, filename: str) -> None:
    inner = _write(_lure(), "attack", 1)
    message = parse_message(_with_file(inner, ctype, filename))
    assert [a.message.subject if a.message else None for a in message.attachments] == [_lure().subject]
    assert scanner.scan_bytes(_with_file(inner, ctype, filename)).verdict is Verdict.PHISHING
    # the mbox separator some clients save in front of the headers
    assert scanner.scan_bytes(_with_file(b"From x@y Tue Mar  3 09:15:00 2026\n" + inner, ctype, filename)).verdict \
        is Verdict.PHISHING


def test_a_file_named_eml_that_is_no_message_stays_a_file() -> None:
    from mailward.eml import opens_with_message_header

    for data in (b"hello\nworld\n", b"Subject only: no sender\n\nbody", b"", b"\x00\x01binary: yes\n",
                 b"Note: a list\nOf: things\n\ntext"):
        assert not opens_with_message_header(data), data
        message = parse_message(_with_file(data, "application/octet-stream", "notes.eml"))
        assert message.attachments[0].message is None
    assert opens_with_message_header(b"From: a@example.org\r\nSubject: hi\r\n folded\r\n\r\nbody")
    assert opens_with_message_header(b"Received: from x\nSubject: hi\n\nbody")
    # the same message under another name is a file: the name is what a mail client goes by
    inner = _write(_lure(), "attack", 1)
    assert parse_message(_with_file(inner, "application/octet-stream", "Invoice.txt")).attachments[0].message is None


def test_stored_facts_with_a_broken_attached_entry_are_judged_without_it() -> None:
    analysis = Analyser(_config()).analyse(parse_message(_forward()))
    facts = dict(analysis.facts)
    facts[ATTACHED] = ["not an entry", {"part": "2", "facts": "not facts"}, {"part": "3"}]
    verdict, _, findings, _, _ = Reevaluator(_config()).judge(facts)
    assert verdict is Verdict.CLEAN and findings == []
