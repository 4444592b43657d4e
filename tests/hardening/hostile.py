"""The hostile message set: inputs shaped to crash mailward, slow it down or fool it.

Built here so the tests and bench/hostile_bench.py share it. Each builder returns
raw bytes; ``SMALL`` ones are cheap enough for unit tests, ``ALL`` includes the
heavy ones (50 MB message, 100,000 links...) that the benchmark measures.
"""

from __future__ import annotations

import base64
import gzip
import io
import zipfile
from collections.abc import Callable

HEAD = (
    b"From: \"Hostile Sender\" <attacker@example.net>\r\nTo: alice@parliament.example\r\n"
    b"Subject: hostile\r\nDate: Mon, 01 Mar 2021 10:00:00 +0000\r\nMessage-ID: <hostile@example.net>\r\n"
    b"MIME-Version: 1.0\r\n"
)


def _html(body: bytes) -> bytes:
    return HEAD + b"Content-Type: text/html; charset=utf-8\r\n\r\n" + body + b"\r\n"


def _attachment(name: str, data: bytes, ctype: str = "application/octet-stream") -> bytes:
    return (
        HEAD + b"Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b"--B\r\nContent-Type: " + ctype.encode() + b"; name=\"" + name.encode() + b"\"\r\n"
        b"Content-Disposition: attachment; filename=\"" + name.encode() + b"\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(data) + b"--B--\r\n"
    )


def many_parts(count: int = 10_000) -> bytes:
    parts = b"".join(b"--B\r\nContent-Type: text/plain\r\n\r\npart %d http://example.org/%d\r\n" % (i, i) for i in range(count))
    return HEAD + b"Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n" + parts + b"--B--\r\n"


def deep_nesting(depth: int = 100) -> bytes:
    body = b"Content-Type: text/html\r\n\r\n<img src=\"http://t.example.net/p.gif\" width=1 height=1>\r\n"
    for level in range(depth):
        boundary = b"L%d" % level
        body = (
            b"Content-Type: multipart/mixed; boundary=\"" + boundary + b"\"\r\n\r\n--" + boundary + b"\r\n"
            + body + b"--" + boundary + b"--\r\n"
        )
    return HEAD + body


def deep_rfc822(depth: int = 100) -> bytes:
    inner = HEAD + b"Content-Type: text/plain\r\n\r\ninnermost\r\n"
    for _ in range(depth):
        inner = HEAD + b"Content-Type: message/rfc822\r\n\r\n" + inner
    return inner


def huge_message(size: int = 50 * 1024 * 1024) -> bytes:
    line = b"A" * 76 + b"\r\n"
    return HEAD + b"Content-Type: text/plain\r\n\r\n" + line * (size // len(line))


def long_header_line(size: int = 1024 * 1024) -> bytes:
    return HEAD.replace(b"Subject: hostile", b"Subject: " + b"x" * size) + b"Content-Type: text/plain\r\n\r\nbody\r\n"


def many_links(count: int = 100_000) -> bytes:
    return _html(b"".join(b"<a href=\"https://l%d.example.org/x?u=%d\">link %d</a>" % (i, i, i) for i in range(count)))


def many_elements(count: int = 100_000) -> bytes:
    return _html(b"<div>" + b"<span>x</span>" * count + b"</div>")


def deep_html(depth: int = 100_000) -> bytes:
    return _html(b"<div>" * depth + b"<img src=\"http://t.example.net/p.gif\">" + b"</div>" * depth)


def many_recipients(count: int = 5_000) -> bytes:
    """A copy to thousands of visible addresses with tracked images: each address is
    encoded some sixty ways to look for it in URLs, unless the list is cut."""
    listed = b", ".join(b"Member %d <m%d@lists.example>" % (i, i) for i in range(count))
    images = b"".join(b'<img src="https://t.example.net/o%d.gif?id=%d" width="1" height="1">' % (i, i) for i in range(20))
    return HEAD.replace(b"To: alice@parliament.example", b"To: " + listed) + b"Content-Type: text/html\r\n\r\n" + images + b"\r\n"


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.txt", b"\x00" * (200 * 1024 * 1024))
    return _attachment("invoice.zip", buffer.getvalue(), "application/zip")


def gzip_bomb() -> bytes:
    return _attachment("report.gz", gzip.compress(b"\x00" * (200 * 1024 * 1024), compresslevel=9), "application/gzip")


def entity_expansion_xml() -> bytes:
    lol = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i else b"&lol;") * 10) for i in range(1, 10)
    ) + b"]><lolz>&lol9;</lolz>"
    return _attachment("data.xml", lol, "application/xml")


def backtracking_strings() -> bytes:
    """Long runs of the characters our patterns look for, without the closing part."""
    chunks = [
        b"url(" * 20_000,
        b"url(\"" + b"a" * 100_000,
        b"@import " * 20_000,
        b"@font-face {" + b"x" * 100_000,
        b"=" * 100_000,
        b"http://" + b"a" * 100_000,
        b"www." * 20_000,
        b"{" * 50_000 + b"}" * 10,
        b"<style>" + b".a{" * 30_000 + b"</style>",
        b"&#" * 50_000,
        b"a" * 50_000 + b"@" + b"b." * 50_000,
    ]
    return _html(b"<p>" + b"</p><p>".join(chunks) + b"</p>")


def css_backtracking() -> bytes:
    """CSS shaped against the CSS scanners: unclosed comments, url( and @import runs.

    With Python's backtracking engine the comment stripper took 30 s on 90 KB of
    "/* " and defuse's url() rewriter 36 s on 80 KB of "url(" (both now on re2).
    """
    style = b"/* " * 40_000 + b"url(" * 25_000 + b"@import" * 15_000 + b"@font-face{" * 10_000
    attr = b"background:" + b"url(" * 25_000
    return _html(b"<style>" + style + b"</style><div style=\"" + attr + b"\">x</div>"
                 b"<p style=\"" + b"/* " * 30_000 + b"\">y</p>")


def confusable_names() -> bytes:
    return (
        "From: \"R\u200beuters\u202e swen\u202c\" <desk@r\u0435uters.com>\r\n"
        "Reply-To: <news@xn--rters-5ve.com>\r\nTo: alice@parliament.example\r\n"
        "Subject: \u202egnirts desrever\u202c \u200d\u200c\ufeff\r\nDate: Mon, 01 Mar 2021 10:00:00 +0000\r\n"
        "Message-ID: <c@example.net>\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        "<a href=\"https://r\u0435uters.com/\u202elogin\">reuters.com</a><img src=\"https://b\u200bbc.co.uk/p.gif\" width=1 height=1>\r\n"
    ).encode("utf-8")


def long_base(segments: int = 20_000) -> bytes:
    """A 40 KB base URL (header and markup) over 2,100 relative images and links whose
    names ``urljoin`` cannot append plainly: each join walked the whole base (6 s)."""
    base = b"https://a.example/" + b"x/" * segments
    body = b"".join(b'<img src="i%d.gif;u=1"><a href="l%d;u=1">x</a>' % (i, i) for i in range(2100))
    return (HEAD + b"Content-Type: text/html; charset=utf-8\r\nContent-Base: " + base + b"\r\n\r\n"
            + b'<html><head><base href="' + base + b'"></head><body>' + body + b"</body></html>\r\n")


def nul_bytes() -> bytes:
    return HEAD.replace(b"Subject: hostile", b"Subject: a\x00b") + b"Content-Type: text/html\r\n\r\n<img\x00 src=\"http://x\x00.example/p\x00.gif\">\x00" * 1000


def invalid_utf8() -> bytes:
    junk = bytes(range(0x80, 0x100)) * 40
    return (
        b"From: \xff\xfe <\xc3\x28@ex\xa0ample.org>\r\nTo: \x80\x81@parliament.example\r\nSubject: \xed\xa0\x80\xf8\x88\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n<a href=\"http://\xc3\x28.example/\xff\">\xfe</a>" + junk + b"\r\n"
    )


SMALL: dict[str, Callable[[], bytes]] = {
    "deep_nesting": deep_nesting,
    "deep_rfc822": deep_rfc822,
    "long_header_line": long_header_line,
    "confusable_names": confusable_names,
    "nul_bytes": nul_bytes,
    "invalid_utf8": invalid_utf8,
    "entity_expansion_xml": entity_expansion_xml,
    "backtracking_strings": backtracking_strings,
    "css_backtracking": css_backtracking,
}

ALL: dict[str, Callable[[], bytes]] = {
    **SMALL,
    "many_parts": many_parts,
    "many_links": many_links,
    "many_recipients": many_recipients,
    "many_elements": many_elements,
    "deep_html": deep_html,
    "long_base": long_base,
    "zip_bomb": zip_bomb,
    "gzip_bomb": gzip_bomb,
    "huge_message": huge_message,
}
