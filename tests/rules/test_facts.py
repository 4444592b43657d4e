"""Facts built from parsed messages follow the schema and derive what rules need."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage

import pytest

from mailward.facts import message_cues
from mailward.facts.build import build_facts
from mailward.parse import parse_message
from mailward.pipeline import Analyser
from mailward.rules.schema import empty_facts, example_facts, schema_problems


def message(html: str = "", text: str = "Hello", attachments=(), **headers: str):
    msg = EmailMessage()
    msg["From"] = headers.pop("from_", "Policy Forum <info@policy-forum.org>")
    msg["To"] = "maria.keller@northland-parliament.org"
    msg["Subject"] = headers.pop("subject", "Agenda")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    for filename, ctype, data in attachments:
        main, sub = ctype.split("/")
        msg.add_attachment(data, maintype=main, subtype=sub, filename=filename)
    return parse_message(msg.as_bytes())


def test_empty_and_example_facts_follow_schema() -> None:
    assert schema_problems(empty_facts()) == []
    assert schema_problems(example_facts()) == []
    broken = empty_facts()
    broken["links"] = [{"url": 1}]
    assert schema_problems(broken)


def test_built_facts_follow_schema() -> None:
    m = message('<a href="http://203.0.113.7/x">www.policy-forum.org</a><img src="https://t.example.net/o.gif" width=1 height=1>',
                attachments=[("a.pdf.exe", "application/octet-stream", b"MZ" + b"\0" * 30)],
                Reply_To="desk@gmail.com")
    facts = build_facts(m)
    assert schema_problems(facts) == []
    assert facts["sender"]["registrable"] == "policy-forum.org"
    assert facts["sender"]["reply_to_elsewhere"] is True


def test_link_facts() -> None:
    m = message(
        '<a href="https://account-review.net/x">www.policy-forum.org</a>'
        '<a href="http://3232235777/login">Sign in</a>'
        '<a href="https://bit.ly/abc">agenda</a>'
        '<a href="https://www.policy-forum.org/a">policy-forum.org/a</a>'
    )
    links = {link["host"]: link for link in build_facts(m)["links"] if link["source"] == "html"}
    assert links["account-review.net"]["text_mismatch"] is True
    assert links["account-review.net"]["text_domain"] == "www.policy-forum.org"
    assert links["3232235777"]["ip_host"] is True
    assert links["3232235777"]["login_words"] is True
    assert links["bit.ly"]["shortener"] is True
    assert links["www.policy-forum.org"]["text_mismatch"] is False
    summary = build_facts(m)["link_summary"]
    assert (summary["ip_hosts"], summary["shorteners"], summary["text_mismatches"]) == (1, 1, 1)


def test_a_flagged_link_behind_many_plain_ones_stays_in_the_evidence() -> None:
    # padding with plain links must not push the one bad link out of the list rules read
    padding = "".join(f'<a href="https://site{i}.example.org/p">read more</a>' for i in range(60))
    m = message(padding + '<a href="http://203.0.113.9/login">Sign in</a>')
    facts = build_facts(m)
    hosts = [link["host"] for link in facts["links"]]
    assert facts["link_summary"]["ip_hosts"] == 1
    assert "203.0.113.9" in hosts
    assert sum(1 for link in facts["links"] if not link["ip_host"]) <= 40


@pytest.mark.parametrize(("name", "ctype", "sniffed", "category"), [
    ("setup.exe", "application/octet-stream", "", "executable"),
    ("photo.jpg", "image/jpeg", "application/x-dosexec", "executable"),
    ("run.vbs", "text/plain", "", "script"),
    ("budget.XLSM", "application/octet-stream", "", "macro_office"),
    ("page.htm", "application/octet-stream", "", "html"),
    ("disk.iso", "application/octet-stream", "", "disk_image"),
    ("agenda.lnk", "application/octet-stream", "", "shortcut"),
    ("report.pdf", "application/pdf", "application/pdf", "pdf"),
    ("noname", "text/html", "", "html"),
])
def test_attachment_category(name: str, ctype: str, sniffed: str, category: str) -> None:
    assert message_cues.category(name, ctype, sniffed) == category


def test_double_extension_and_mismatch() -> None:
    assert message_cues.extensions("Invoice.PDF.exe") == ["pdf", "exe"]
    assert message_cues.type_mismatch("photo.jpg", "application/x-dosexec") is True
    assert message_cues.type_mismatch("setup.exe", "application/x-dosexec") is False


def test_inspect_archive() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a/run.js", b"x")
    plain = buf.getvalue()
    assert message_cues.inspect_archive(plain) == message_cues.ArchiveInfo(False, ("a/run.js",))
    flagged = bytearray(plain)
    flagged[6] |= 1
    flagged[flagged.find(b"PK\x01\x02") + 8] |= 1
    assert message_cues.inspect_archive(bytes(flagged)).encrypted is True
    assert message_cues.inspect_archive(b"PK garbage") == message_cues.ArchiveInfo()
    assert message_cues.member_categories(["a/run.js", "b.txt"]) == ["script", "other"]


def test_content_phrases() -> None:
    m = message(text="URGENT: your password will expire. Verify your account within 24 hours. Interview request.")
    content = build_facts(m)["content"]
    assert "your password will expire" in content["credential_phrases"]
    assert "verify your account" in content["credential_phrases"]
    assert "within 24 hours" in content["urgency_phrases"]
    assert content["newsroom_words"] is True
    assert build_facts(message(text="Lunch on Friday?"))["content"]["credential_phrases"] == []


def test_auth_from_topmost_header() -> None:
    # the auth section has one owner, the identity analyser: no identity report, no auth facts
    m = message(Authentication_Results="mx.example; spf=pass smtp.mailfrom=b@esp.example; dkim=pass header.d=esp.example; dmarc=none")
    assert build_facts(m)["auth"]["present"] is False
    analyser = Analyser()
    auth = analyser.facts(m)["auth"]
    assert auth["present"] and auth["spf"] == "pass" and auth["dkim_domains"] == ["esp.example"]
    assert auth["aligned"] is False
    m = message(Authentication_Results="mx.example; spf=pass smtp.mailfrom=b@mail.policy-forum.org; dkim=fail header.d=x.example")
    auth = analyser.facts(m)["auth"]
    assert auth["spf_aligned"] is True and auth["aligned"] is True and auth["dkim"] == "fail"


def test_intel_section() -> None:
    facts = build_facts(message(), intel=[{"indicator": "evil.example", "kind": "domain", "source": "feed", "confidence": 80}])
    assert facts["intel"] == [{"indicator": "evil.example", "kind": "domain", "matched": "", "source": "feed",
                               "confidence": 80, "location": ""}]
    assert schema_problems(facts) == []


def test_url_text_and_ip_mismatch() -> None:
    m = message(
        '<a href="http://198.51.100.4/x">http://cgi1.ebay.com/aw-cgi</a>'
        '<a href="https://evil.example/p">https://www.paypal.com/cgi-bin</a>'
        '<a href="https://evil2.example/p">Visit paypal.com today</a>'
    )
    links = {link["host"]: link for link in build_facts(m)["links"] if link["source"] == "html"}
    assert links["198.51.100.4"]["text_mismatch"] and links["198.51.100.4"]["text_is_url"]
    assert links["evil.example"]["text_is_url"] is True
    assert links["evil2.example"]["text_mismatch"] is True and links["evil2.example"]["text_is_url"] is False
    assert build_facts(m)["link_summary"]["url_text_mismatches"] == 2


def test_own_brand_hosts() -> None:
    m = message(
        '<a href="https://parliament-example-my.docs.test/a">a</a>'
        '<a href="https://parliament.example.evil.test/b">b</a>'
        '<a href="https://intranet.parliament.example/c">c</a>'
        '<a href="https://unrelated.test/d">d</a>'
    )
    links = build_facts(m, org_domains=["parliament.example"])["links"]
    flagged = {link["host"] for link in links if link["own_brand"]}
    assert flagged == {"parliament-example-my.docs.test", "parliament.example.evil.test"}
    assert not any(link["own_brand"] for link in build_facts(m)["links"])  # no organisation configured


def test_login_words_in_host_and_path() -> None:
    assert message_cues.login_words("click here", "/x", "confirm-ebaymain.com")
    assert message_cues.login_words("click here", "/account/login_now", "example.com")
    assert not message_cues.login_words("Read more", "/news/today", "example.com")


@pytest.mark.parametrize("text", [
    "Bitte bestätigen Sie Ihr Konto noch heute.",
    "Votre compte a été suspendu.",
    "Su contraseña caducará mañana.",
    "Detectamos um novo acesso à sua conta.",
    "Il tuo account è stato sospeso.",
    "Uw wachtwoord verloopt vandaag.",
])
def test_credential_phrases_in_european_languages(text: str) -> None:
    assert message_cues.credential_phrases(text)


def _report(**claim_kw):
    from mailward.identity.report import (
        AuthSummary,
        Claim,
        FirstContact,
        IdentityReport,
        SendingIdentity,
    )

    claim = Claim(kind=claim_kw.pop("kind", "outlet"), name="Yahoo News", entity_id="yahoo-news",
                  where="display-name", matched="Yahoo!News", **claim_kw)
    return IdentityReport(claims=(claim,), sending=SendingIdentity(from_free_mail=True), auth=AuthSummary(),
                          first_contact=FirstContact(known=True, address=True, domain=True), explanations=("x",),
                          claim_fails=not claim.holds)


def test_identity_mapping_official_domain_is_no_mismatch() -> None:
    from mailward.facts.identity import apply_identity

    m = message(from_="Yahoo!News <refertofriend@reply.yahoo.com>")
    facts = build_facts(m)
    apply_identity(facts, _report(status="free-mail", official_domains=("yahoo.com",)))
    assert facts["identity"]["claimed"] is True
    assert facts["identity"]["claim"]["where"] == "display_name"
    assert facts["identity"]["claim_mismatch"] is False
    assert facts["history"]["first_contact"] is True
    facts = build_facts(message(from_="Yahoo!News <news@gmail.com>"))
    apply_identity(facts, _report(status="free-mail", official_domains=("yahoo.com",)))
    assert facts["identity"]["claim_mismatch"] is True
    assert schema_problems(facts) == []


def test_idn_link_text_matches_punycode_href() -> None:
    m = message('<a href="https://www.xn--koligenta-z7a.de/x">https://www.ökoligenta.de/x</a>')
    link = next(link for link in build_facts(m)["links"] if link["source"] == "html")
    assert link["text_domain"] == "www.ökoligenta.de"
    assert link["text_mismatch"] is False


def test_fill_missing_gives_absent_fields_their_empty_values():
    from mailward.rules.schema import SCHEMA, fill_missing, schema_problems

    facts = {"sender": {"address": "a@example.org"}, "links": [{"host": "example.org"}]}
    added = fill_missing(facts)
    assert schema_problems(facts) == []
    assert added > 10
    assert facts["sender"]["address"] == "a@example.org"  # present values are kept
    assert facts["sender"]["reply_to_free_other"] is False
    assert facts["links"][0]["host"] == "example.org" and set(facts["links"][0]) == set(SCHEMA["links"].fields)
    assert fill_missing(facts) == 0  # complete facts are left alone


def test_read_receipt_requests() -> None:
    """Disposition-Notification-To and the two older request fields, lower case; a receipt
    to the From address itself is what a person asking for one does (not elsewhere)."""
    plain = build_facts(message())["sender"]
    assert plain["receipt_to"] == [] and plain["receipt_elsewhere"] is False
    own = build_facts(message(Disposition_Notification_To="Policy Forum <Info@Policy-Forum.org>"))["sender"]
    assert own["receipt_to"] == ["info@policy-forum.org"] and own["receipt_elsewhere"] is False
    assert own["receipt_other_domain"] is False
    kit = build_facts(message(Disposition_Notification_To="<desk.7f3k@policy-forum.org>",
                              Return_Receipt_To="forum.desk@gmail.com",
                              X_Confirm_Reading_To="desk.7f3k@policy-forum.org"))
    assert schema_problems(kit) == []
    assert kit["sender"]["receipt_to"] == ["desk.7f3k@policy-forum.org", "forum.desk@gmail.com"]
    assert kit["sender"]["receipt_elsewhere"] is True and kit["sender"]["receipt_other_domain"] is True
    colleague = build_facts(message(Disposition_Notification_To="desk@policy-forum.org"))["sender"]
    assert colleague["receipt_elsewhere"] is True and colleague["receipt_other_domain"] is False
    broken = build_facts(message(Disposition_Notification_To='"unclosed <'))["sender"]
    assert broken["receipt_to"] == [] and broken["receipt_elsewhere"] is False


def test_a_known_correspondent_asking_for_a_receipt_to_a_colleague_is_not_a_beacon() -> None:
    """With a sender history (as the gateway keeps): a DMARC-aligned correspondent who wrote
    here before and asks for the receipt on their own domain (an assistant) does not match;
    the same sender asking for it on another domain, and a first contact, do."""
    from mailward.config import Config
    from mailward.identity import InMemorySenderHistory
    from mailward.scan import Scanner

    class Known(InMemorySenderHistory):
        def count_from_address(self, sender, recipients):
            return 3

        def count_from_domain(self, domain, recipients):
            return 3

    config = Config({"auth": {"trusted_authserv_ids": ["mx.northland-parliament.org"]}})

    def rules(receipt: str, history) -> set[str]:
        raw = (b"Authentication-Results: mx.northland-parliament.org; spf=pass smtp.mailfrom=policy-forum.org;"
               b" dkim=pass header.d=policy-forum.org; dmarc=pass header.from=policy-forum.org\r\n"
               b"From: Anna Weiss <anna.weiss@policy-forum.org>\r\nTo: maria.keller@northland-parliament.org\r\n"
               b"Subject: Roundtable\r\nDisposition-Notification-To: " + receipt.encode() + b"\r\n"
               b"Message-ID: <k@policy-forum.org>\r\n\r\nThe programme is below.\r\n")
        return {f.rule for f in Scanner(config, history=history).scan_bytes(raw).findings}

    assert "BEACON_READ_RECEIPT" not in rules("assistant@policy-forum.org", Known())
    assert "BEACON_READ_RECEIPT" in rules("opens.desk@gmail.com", Known())
    assert "BEACON_READ_RECEIPT" in rules("assistant@policy-forum.org", InMemorySenderHistory())
