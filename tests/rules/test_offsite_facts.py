"""Link and content facts behind the off-site rules: percent-encoded hosts, action link
text, HTML entities and HTML sent as plain text."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from mailward.config import Config
from mailward.facts import links
from mailward.facts.build import content_text
from mailward.parse import parse_message
from mailward.scan import Scanner


@pytest.mark.parametrize(
    ("host", "decoded"),
    [
        ("%31%39%32.0.2.15", "192.0.2.15"),
        ("s6.%6d%79host.example", "s6.myhost.example"),
        ("www.example.org", ""),  # nothing to decode
        ("%2fevil.example", ""),  # a slash is not part of a host name
        ("%zz.example", ""),  # not a valid escape: left as it is
    ],
)
def test_decode_host(host: str, decoded: str) -> None:
    assert links.decode_host(host) == decoded


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("Click here to verify your Information", True),
        ("Renew Now", True),
        ("Hier klicken", True),
        ("clique aqui", True),
        ("Klik hier", True),
        ("Cliquez ici", True),
        ("Privacy policy", False),
        ("Read the full story", False),
        ("", False),
    ],
)
def test_action_text(text: str, action: bool) -> None:
    assert links.action_text(text) is action


def _draft(body: str, subtype: str = "plain") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Bank <service@bank.example>"
    msg["To"] = "reader@example.org"
    msg["Subject"] = "Notice"
    msg.set_content(body, subtype=subtype)
    return msg


def _message(ctype: str, body: str) -> bytes:
    return _draft(body, ctype).as_bytes()


def test_html_entities_are_read_as_text() -> None:
    text = content_text(parse_message(_message("html", "<p>Bitte f&uuml;llen Sie das Best&auml;tigungsformular aus.</p>")))
    assert "füllen" in text and "Bestätigungsformular" in text


def test_invisible_characters_do_not_split_words() -> None:
    body = "<p>Your mail&shy;box pass\u200bword expires. Ver\u2060ify your acc\ufeffount.</p>"
    text = content_text(parse_message(_message("html", body)))
    assert "mailbox password expires. Verify your account." in text


def test_mixed_script_words_read_as_the_words_they_show() -> None:
    body = "<p>Your p\u0430ssword expires. Ver\u0456fy your \u0430ccount. \u041f\u0430\u0440\u043e\u043b\u044c stays Russian.</p>"
    text = content_text(parse_message(_message("html", body)))
    assert "Your password expires. Verify your account." in text
    assert "\u041f\u0430\u0440\u043e\u043b\u044c stays Russian." in text


def test_html_sent_as_plain_text_is_stripped() -> None:
    body = "<html><br>Dear member,<br>failure to update your records<br>will result in account suspension.</html>"
    text = content_text(parse_message(_message("plain", body)))
    assert "<br>" not in text and "failure to update your records will result in" in " ".join(text.split())


def test_plain_text_that_mentions_a_tag_is_kept() -> None:
    body = "Use <br> for a line break in the template; that is all."
    assert "<br>" in content_text(parse_message(_message("plain", body)))


def test_encoded_host_is_decoded_in_link_facts() -> None:
    raw = _message("html", '<p><a href="http://%31%39%32.0.2.15/s/">statement</a></p>')
    facts = Scanner(Config()).scan_bytes(raw).facts
    [link] = facts["links"]
    assert link["host"] == "192.0.2.15" and link["ip_host"] and link["host_encoded"]
    assert facts["link_summary"]["encoded_hosts"] == 1


def _alternative(plain: str, html: str) -> bytes:
    msg = _draft(plain)
    msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


def test_salt_the_html_hides_is_taken_out_of_the_plain_text() -> None:
    hide = '<span style="font-size:0px;color:transparent">{}</span>'
    html = "<p>Your A" + hide.format("P59QJX") + "mazon Prime Mem" + hide.format("QJXW7") + "bership expires.</p>"
    plain = "Your AP59QJXmazon Prime MemQJXW7bership expires.\n" + "Regards, the team.\n" * 30  # over 500 characters
    text = content_text(parse_message(_alternative(plain, html)))
    assert "Your Amazon Prime Membership expires." in text
    # one hidden run alone may be a word the sender hid: the plain text is kept as written
    html_one = "<p>Your A" + hide.format("P59QJX") + "mazon Prime Membership expires.</p>"
    plain_one = "Your AP59QJXmazon Prime Membership expires.\n" + "Regards, the team.\n" * 30
    assert "AP59QJXmazon" in content_text(parse_message(_alternative(plain_one, html_one)))


def _with_pdf(body: str, pdf: bytes) -> bytes:
    msg = _draft(body)
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="Notice.pdf")
    return msg.as_bytes()


def test_an_attached_pdf_is_read_as_the_letter_when_the_body_says_next_to_nothing() -> None:
    from tests.attachments.files import pdf_text

    pdf = pdf_text("Your payment method on file has been declined. Update your payment information.")
    text = content_text(parse_message(_with_pdf("Please see the attached document.", pdf)))
    assert text.endswith("Your payment method on file has been declined. Update your payment information.")
    # a body that says something itself is read alone: the PDF is an enclosure
    letter = "Dear reader,\n" + "Here are the minutes of the committee meeting of last Tuesday.\n" * 6
    assert "declined" not in content_text(parse_message(_with_pdf(letter, pdf)))
