"""Real-shaped messages built by the project for the parser's golden-file tests.

Each entry is raw bytes, as a mail server would hand them over, including the
malformed shapes that occur in the wild.
"""

from __future__ import annotations

import base64

_WINMAIL = b"\x78\x9f\x3e\x22\x00\x00\x01\x06\x90\x08\x00\x04\x00\x00\x00\x00\x00\x01\x00\x01\x00"


def _b64(data: bytes) -> bytes:
    return base64.encodebytes(data)


SAMPLES: dict[str, bytes] = {
    "plain_utf8": (
        b"From: Jane Doe <jane.doe@example.org>\r\n"
        b"To: Alice Member <alice@parliament.example>\r\n"
        b"Subject: =?utf-8?q?Question_about_the_committee_hearing_=E2=80=93_d=C3=A9j=C3=A0_vu?=\r\n"
        b"Date: Tue, 02 Mar 2021 09:15:00 +0000\r\n"
        b"Message-ID: <abc123@example.org>\r\n"
        b"Received: from mail.example.org (mail.example.org [198.51.100.7])\r\n"
        b"\tby mx.parliament.example (Postfix) with ESMTPS id 4F1;\r\n"
        b"\tTue, 02 Mar 2021 09:15:02 +0000\r\n"
        b"Authentication-Results: mx.parliament.example; spf=pass (sender SPF authorized)\r\n"
        b" smtp.mailfrom=example.org; dkim=pass header.d=example.org header.s=sel1;\r\n"
        b" dmarc=pass (p=reject) header.from=example.org\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n"
        b"\r\n"
        b"Dear Ms Member,\r\n\r\nCould we talk about the hearing? See https://example.org/agenda.\r\n"
        b"\r\nJane Doe | Reporter, Example Times\r\n"
    ),
    "html_newsletter": (
        b"From: \"Example News\" <news@news.example.com>\r\n"
        b"To: alice@parliament.example\r\n"
        b"Subject: Morning briefing\r\n"
        b"Date: Wed, 03 Mar 2021 06:00:00 +0100\r\n"
        b"Message-ID: <nl-1@news.example.com>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: multipart/alternative; boundary=\"b1\"\r\n"
        b"\r\n"
        b"--b1\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        b"Read online: https://news.example.com/brief?id=1\r\n"
        b"--b1\r\n"
        b"Content-Type: text/html; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"<html><head><style>.h{display:none}</style></head><body>\r\n"
        b"<p>Caf=E9 news</p><a href=3D\"https://click.example.net/c?u=3Dhttps%3A%2F%2Fnews.example.com\">Read</a>\r\n"
        b"<img src=3D\"https://open.example.net/o.gif?e=3Dalice\" width=3D\"1\" height=3D\"1\">\r\n"
        b"<div class=3D\"h\"><img src=3D\"https://t.example.net/p.png\"></div>\r\n"
        b"<img src=3D\"cid:logo@x\" width=3D\"120\">\r\n"
        b"</body></html>\r\n"
        b"--b1--\r\n"
    ),
    "missing_boundary": (
        b"From: a@example.org\r\nTo: b@example.net\r\nSubject: no boundary\r\n"
        b"Date: Thu, 04 Mar 2021 10:00:00 +0000\r\nMessage-ID: <nb@example.org>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\n"
        b"--zzz\r\nContent-Type: text/plain\r\n\r\nhello\r\n--zzz--\r\n"
    ),
    "broken_boundary": (
        b"From: a@example.org\r\nTo: b@example.net\r\nSubject: broken boundary\r\n"
        b"Date: Thu, 04 Mar 2021 10:00:00 +0000\r\nMessage-ID: <bb@example.org>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
        b"--outer\r\nContent-Type: text/plain\r\n\r\nfirst part, never closed\r\n"
        b"--outerX\r\nContent-Type: text/html\r\n\r\n<a href=\"http://198.51.100.9/login\">Login</a>\r\n"
    ),
    "bad_base64_and_qp": (
        b"From: a@example.org\r\nTo: b@example.net\r\nSubject: bad encodings\r\n"
        b"Date: Thu, 04 Mar 2021 10:00:00 +0000\r\nMessage-ID: <enc@example.org>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"x\"\r\n\r\n"
        b"--x\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"SGVsbG8gd29ybGQ!!!*** not base64 ===\r\n"
        b"--x\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"broken =ZZ soft break =\r\nand =E2=82 truncated\r\n"
        b"--x\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: x-rot13\r\n\r\nuryyb\r\n"
        b"--x--\r\n"
    ),
    "unknown_and_lying_charsets": (
        b"From: a@example.org\r\nTo: b@example.net\r\nSubject: charsets\r\n"
        b"Date: Thu, 04 Mar 2021 10:00:00 +0000\r\nMessage-ID: <cs@example.org>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"x\"\r\n\r\n"
        b"--x\r\nContent-Type: text/plain; charset=x-klingon-42\r\n\r\nqapla\xe9\r\n"
        b"--x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nlatin-1 bytes that lie: caf\xe9\r\n"
        b"--x\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n8-bit in ascii: \xc3\xa9t\xc3\xa9\r\n"
        b"--x--\r\n"
    ),
    "raw_8bit_headers": (
        b"From: =?utf-8?b?w4lsb2TDrWU=?= <elodie@example.fr>\r\n"
        b"To: \xc3\x89lu <elu@parliament.example>\r\n"
        b"Subject: R\xe9union \xe0 Bruxelles\r\n"
        b"Reply-To: contact@xn--bcher-kva.example\r\n"
        b"Date: Fri, 05 Mar 2021 11:00:00 +0100\r\nMessage-ID: <8bit@example.fr>\r\n"
        b"Content-Type: text/plain\r\n\r\nBonjour\r\n"
    ),
    "missing_from_and_date": (
        b"To: someone@example.net\r\nSubject: who sent this?\r\n\r\njust a body\r\n"
    ),
    "nested_rfc822": (
        b"From: forwarder@example.org\r\nTo: security@parliament.example\r\nSubject: Fwd: suspicious\r\n"
        b"Date: Sat, 06 Mar 2021 12:00:00 +0000\r\nMessage-ID: <fwd@example.org>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"f\"\r\n\r\n"
        b"--f\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        b"--f\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"lure.eml\"\r\n\r\n"
        b"From: \"Reuters Newsdesk\" <desk@reuters-newsdesk.com>\r\nTo: alice@parliament.example\r\n"
        b"Subject: Interview request\r\nDate: Sat, 06 Mar 2021 08:00:00 +0000\r\nMessage-ID: <inner@reuters-newsdesk.com>\r\n"
        b"Content-Type: text/html\r\n\r\n<p>Hello</p><img src=\"http://203.0.113.5/t.gif?u=YWxpY2U=\" width=0 height=0>\r\n"
        b"--f--\r\n"
    ),
    "winmail_dat": (
        b"From: outlook@example.org\r\nTo: b@example.net\r\nSubject: TNEF\r\n"
        b"Date: Sun, 07 Mar 2021 12:00:00 +0000\r\nMessage-ID: <tnef@example.org>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"t\"\r\n\r\n"
        b"--t\r\nContent-Type: text/plain\r\n\r\nplease see the attachment\r\n"
        b"--t\r\nContent-Type: application/ms-tnef; name=\"winmail.dat\"\r\n"
        b"Content-Disposition: attachment; filename=\"winmail.dat\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + _b64(_WINMAIL)
        + b"--t--\r\n"
    ),
    "very_long_header": (
        b"From: a@example.org\r\nTo: b@example.net\r\nSubject: long\r\n"
        b"Date: Mon, 08 Mar 2021 12:00:00 +0000\r\nMessage-ID: <long@example.org>\r\n"
        b"X-Padding: " + b"A" * 100_000 + b"\r\n"
        b"Content-Type: text/plain\r\n\r\nbody\r\n"
    ),
    "attachments_lying_type": (
        b"From: invoices@example.org\r\nTo: b@example.net\r\nSubject: Invoice\r\n"
        b"Date: Mon, 08 Mar 2021 12:00:00 +0000\r\nMessage-ID: <att@example.org>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"a\"\r\n\r\n"
        b"--a\r\nContent-Type: text/plain\r\n\r\nInvoice attached\r\n"
        b"--a\r\nContent-Type: application/pdf; name=\"invoice.pdf.exe\"\r\n"
        b"Content-Disposition: attachment; filename*=UTF-8''invoice%20%E2%80%93.pdf.exe\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + _b64(b"MZ\x90\x00" + b"\x00" * 60)
        + b"--a\r\nContent-Type: application/zip; name=\"docs.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + _b64(b"PK\x03\x04\x14\x00\x01\x00" + b"\x00" * 40)
        + b"--a--\r\n"
    ),
    "garbage": b"\x00\xff\xfe not a message at all \x00\r\n\r\n\x80\x81",
}
