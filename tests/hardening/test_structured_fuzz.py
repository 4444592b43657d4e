"""Structure-aware fuzzing of parse -> analyse -> rules -> defuse.

Each example starts from a real-shaped message (the demo builders and the parser's
golden samples) and applies a few mutations that know where headers, boundaries,
transfer encodings, charsets and HTML live: duplicated, dropped, huge and 8-bit
headers; broken encoded words; missing, mismatched and reused boundaries; bad base64
and quoted-printable; lying and unknown charsets; unclosed tags, entity-encoded
attributes and CSS ``url()`` tricks. Any exception anywhere is a bug; a failing input
is kept in ``tests/hardening/regressions/`` once fixed.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailward.demo import builders
from mailward.gateway.defuse import defuse_report
from mailward.parse import parse_message
from mailward.scan import Scanner
from tests.core.samples import SAMPLES

_SCANNER = Scanner()

BASES: dict[str, bytes] = {
    "newsletter": builders.newsletter(),
    "recon_lure": builders.recon_lure(),
    "phishing": builders.phishing(),
    "journalist_enquiry": builders.journalist_enquiry(),
    "spam": builders.spam(),
    "constituent": builders.constituent(),
    "internal": builders.internal(),
    **{f"sample_{k}": v for k, v in SAMPLES.items()},
}
_NAMES = sorted(BASES)

_HEADER_NAMES = [b"From", b"To", b"Cc", b"Subject", b"Date", b"Message-ID", b"Reply-To",
                 b"Sender", b"Return-Path", b"Received", b"Authentication-Results",
                 b"DKIM-Signature", b"List-Unsubscribe", b"Content-Type",
                 b"Content-Transfer-Encoding", b"MIME-Version", b"Content-Disposition",
                 b"X-Mailer", b"In-Reply-To", b"References"]

_CHARSETS = [b"utf-8", b"us-ascii", b"iso-8859-1", b"windows-1252", b"utf-7", b"utf-16",
             b"utf-16le", b"utf-32", b"iso-2022-jp", b"gb18030", b"big5", b"koi8-r",
             b"x-unknown", b"", b"\"\"", b"utf-8\x00", b"u\xfft\xfe-8", b"rot13", b"base64",
             b"idna", b"punycode", b"unicode-escape", b"zlib", b"hex", b"x" * 300,
             b"utf_8_sig", b"cp65001", b"mbcs", b"../../etc/passwd"]

_ENCODED_WORDS = [
    b"=?utf-8?b?SGVsbG8=?=", b"=?utf-8?q?caf=C3=A9?=", b"=?utf-8?b?!!!notbase64?=",
    b"=?utf-8?q?=ZZ=?=", b"=?x-unknown?q?abc?=", b"=?utf-7?q?+AGEAYgBj-?=",
    b"=?iso-2022-jp?b?GyRCJUYlOSVIGyhC?=", b"=?utf-8?b?" + b"QUFB" * 3000 + b"?=",
    b"=?utf-8?x?abc?=", b"=??q?abc?=", b"=?utf-8*en?q?abc?=", b"=?utf-8?q?a?= =?utf-8?q?b?=",
    b"=?utf-8?b?4oCu?=evil.example", b"=?utf-8?q?=E2=80=8B=E2=80=8B?=",
    b"=?utf-16?b?//5hAGIA?=", b"=?utf-8?b?AA==?=", b"=?unicode-escape?q?\\u0041?=",
    b"=?utf-7?q?+3Ok-?=", b"=?utf-7?q?+2AA-?=", b"=?rot13?q?nop?=", b"=?zlib?b?eJxLTEoGAAJNASc=?=", b"=?hex?q?4142?=", b"=?base64?q?QUJD?=",
]

_HTML_FRAGMENTS = [
    "<div><span><table><tr><td><b><i>", "</td></tr></table></div>" * 3, "<img",
    "<img src=\"&#104;&#116;&#116;&#112;://t.example/o.gif\" width=1 height=1>",
    "<img src=&#x68;ttps://t.example/p?u=1&amp;e=2 style=\"display:none\">",
    "<div style=\"background:url(&quot;https://t.example/bg.png&quot;)\">x</div>",
    "<div style=\"background-image:u\\rl(https://t.example/a)\">x</div>",
    "<style>@import url('https://t.example/s.css'); a{background:url(//t.example/b)}</style>",
    "<style>/*", "<a href=\"jav&#x09;ascript:alert(1)\">x</a>", "<base href=\"https://t.example/\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://t.example/r\">",
    "<svg><image href=\"https://t.example/s.svg\"/><use xlink:href=\"//t.example/#a\"/></svg>",
    "<!--[if mso]><v:image src=\"https://t.example/v.png\"/><![endif]-->", "<!--",
    "<picture><source srcset=\"https://t.example/1x.png 1x, https://t.example/2x.png 2x\"></picture>",
    "<link rel=stylesheet href=https://t.example/l.css>", "<iframe src=https://t.example/f>",
    "<form action=https://t.example/login><input name=pw type=password></form>",
    "<a href=\"https://t.example/&#0;&#x110000;&#xD800;\">bad entities</a>",
    "<a href=\"https://xn--80ak6aa92e.com/\">https://apple.com</a>", "<a href=\"\u202egnp.exe\">",
    "<img src=\"cid:part1@x\"><img src=\"data:image/png;base64,iVBORw0KGgo=\">",
    "<object data=https://t.example/o></object><embed src=https://t.example/e>",
    "<video poster=https://t.example/p.jpg><audio src=https://t.example/a.mp3>",
    "<td background=\"https://t.example/td.gif\">", "<body background=//t.example/b.gif>",
    "<script>document.write('<img src=//t.example/s>')</script>", "&" * 500, "<" * 500,
    "<a href='" + "%" * 300 + "'>", "\x00<img src=https://t.example/\x00n.gif>",
    "<x " + "a=1 " * 2000 + ">", "<div style=\"" + "url(" * 400 + "\">",
    "<?xml version=\"1.0\"?>", "<?a ?>", "<!DOCTYPE html SYSTEM \"https://t.example/d.dtd\">", "<![CDATA[x]]>",
]


def _headers_body(raw: bytes) -> tuple[list[bytes], bytes, bytes]:
    """Split ``raw`` into header lines (continuations folded in), separator, body."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        idx = raw.find(sep)
        if idx >= 0:
            head, body = raw[:idx], raw[idx + len(sep):]
            break
    else:
        return [raw], b"\n\n", b""
    nl = b"\r\n" if sep == b"\r\n\r\n" else b"\n"
    lines: list[bytes] = []
    for line in head.split(nl):
        if lines and line[:1] in (b" ", b"\t"):
            lines[-1] += nl + line
        else:
            lines.append(line)
    return lines, sep, body


def _join(lines: list[bytes], sep: bytes, body: bytes) -> bytes:
    nl = b"\r\n" if sep == b"\r\n\r\n" else b"\n"
    return nl.join(lines) + sep + body


Mutation = Callable[[bytes, st.DataObject], bytes]


def m_duplicate_header(raw: bytes, data: st.DataObject) -> bytes:
    lines, sep, body = _headers_body(raw)
    i = data.draw(st.integers(0, len(lines) - 1))
    times = data.draw(st.integers(1, 50))
    return _join(lines[: i + 1] + [lines[i]] * times + lines[i + 1:], sep, body)


def m_drop_header(raw: bytes, data: st.DataObject) -> bytes:
    lines, sep, body = _headers_body(raw)
    if len(lines) < 2:
        return raw
    i = data.draw(st.integers(0, len(lines) - 1))
    return _join(lines[:i] + lines[i + 1:], sep, body)


def m_huge_header(raw: bytes, data: st.DataObject) -> bytes:
    lines, sep, body = _headers_body(raw)
    name = data.draw(st.sampled_from(_HEADER_NAMES))
    unit = data.draw(st.sampled_from([b"a", b"<x@y> ", b"=?utf-8?q?=C3=A9?= ", b"\"", b"(",
                                      b"@", b",", b"a.", b"\xff", b"\t\r\n "]))
    size = data.draw(st.sampled_from([1000, 20_000, 70_000, 200_000]))
    return _join([name + b": " + unit * (size // len(unit)), *lines], sep, body)


def m_encoded_word(raw: bytes, data: st.DataObject) -> bytes:
    lines, sep, body = _headers_body(raw)
    name = data.draw(st.sampled_from([b"Subject", b"From", b"To", b"Reply-To", b"Sender"]))
    word = data.draw(st.sampled_from(_ENCODED_WORDS))
    value = word if name == b"Subject" else word + b" <" + word[:40] + b"@example.org>"
    return _join([name + b": " + value] + [ln for ln in lines if not ln.lower().startswith(
        name.lower() + b":")], sep, body)


def m_8bit_header(raw: bytes, data: st.DataObject) -> bytes:
    lines, sep, body = _headers_body(raw)
    i = data.draw(st.integers(0, len(lines) - 1))
    junk = data.draw(st.binary(min_size=1, max_size=40))
    line = lines[i]
    at = data.draw(st.integers(0, len(line)))
    lines[i] = line[:at] + junk + line[at:]
    return _join(lines, sep, body)


def m_boundary(raw: bytes, data: st.DataObject) -> bytes:
    found = list(re.finditer(rb"boundary=\"?([^\";\r\n]+)\"?", raw, re.IGNORECASE))
    how = data.draw(st.sampled_from(["drop_param", "mismatch", "remove_close", "remove_all",
                                     "reuse_outer", "empty", "huge", "no_start"]))
    if not found:
        ct = b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
        return ct + raw + b"\r\n--b1\r\nContent-Type: text/html\r\n\r\n<p>x\r\n--b1"
    m = found[data.draw(st.integers(0, len(found) - 1))]
    b = m.group(1)
    if how == "drop_param":
        return raw[: m.start()] + b"x-dropped=1" + raw[m.end():]
    if how == "mismatch":
        return raw[: m.start(1)] + b + b"-other" + raw[m.end(1):]
    if how == "remove_close":
        return raw.replace(b"--" + b + b"--", b"")
    if how == "remove_all":
        return raw[: m.end()] + raw[m.end():].replace(b"--" + b, b"")
    if how == "reuse_outer":
        outer = found[0].group(1)
        return raw.replace(b"--" + b, b"--" + outer).replace(b"boundary=\"" + b, b"boundary=\"" + outer)
    if how == "empty":
        return raw[: m.start(1)] + raw[m.end(1):]
    if how == "huge":
        return raw.replace(b, b * 200)
    return raw.replace(b"--" + b + b"\r\n", b"", 1).replace(b"--" + b + b"\n", b"", 1)


def m_transfer_encoding(raw: bytes, data: st.DataObject) -> bytes:
    how = data.draw(st.sampled_from(["claim_base64", "claim_qp", "corrupt_b64", "corrupt_qp",
                                     "unknown_cte", "uuencode", "binary_junk"]))
    if how == "claim_base64":
        return re.sub(rb"(?i)content-transfer-encoding:[^\r\n]*", b"Content-Transfer-Encoding: base64",
                      raw) if b"ransfer-" in raw else raw.replace(
            b"Content-Type:", b"Content-Transfer-Encoding: base64\r\nContent-Type:", 1)
    if how == "claim_qp":
        return re.sub(rb"(?i)content-transfer-encoding:[^\r\n]*",
                      b"Content-Transfer-Encoding: quoted-printable", raw)
    if how == "corrupt_b64":
        junk = data.draw(st.sampled_from([b"===", b"!@#$", b"A", b"\x00\xff", b"====\r\n====",
                                          b"QQ", b"-_-_"]))
        pos = data.draw(st.integers(0, len(raw)))
        return raw[:pos] + junk + raw[pos:]
    if how == "corrupt_qp":
        junk = data.draw(st.sampled_from([b"=ZZ", b"=\r\n=", b"=", b"=0", b"=3D=3", b"=\xff"]))
        pos = data.draw(st.integers(0, len(raw)))
        return raw[:pos] + junk + raw[pos:]
    if how == "unknown_cte":
        return re.sub(rb"(?i)content-transfer-encoding:[^\r\n]*",
                      b"Content-Transfer-Encoding: x-gzip64", raw)
    if how == "uuencode":
        return re.sub(rb"(?i)content-transfer-encoding:[^\r\n]*",
                      b"Content-Transfer-Encoding: x-uuencode", raw) + b"\r\nbegin 644 a\r\n!!!\r\nend\r\n"
    pos = data.draw(st.integers(0, len(raw)))
    return raw[:pos] + data.draw(st.binary(min_size=1, max_size=200)) + raw[pos:]


def m_charset(raw: bytes, data: st.DataObject) -> bytes:
    cs = data.draw(st.sampled_from(_CHARSETS))
    if re.search(rb"(?i)charset=", raw):
        return re.sub(rb"(?i)charset=\"?[^\";\r\n]*\"?", b"charset=\"" + cs + b"\"", raw,
                      count=data.draw(st.integers(0, 3)))
    return raw.replace(b"Content-Type: text/plain", b"Content-Type: text/plain; charset=" + cs, 1)


def m_html(raw: bytes, data: st.DataObject) -> bytes:
    """Insert hostile fragments into every HTML part, re-encoding it properly."""
    frags = data.draw(st.lists(st.sampled_from(_HTML_FRAGMENTS), min_size=1, max_size=6))
    extra = "".join(frags)
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        changed = False
        for part in msg.walk():
            if part.get_content_type() == "text/html":
                payload = part.get_payload(decode=True) or b""
                text = payload.decode("utf-8", "replace")
                at = data.draw(st.integers(0, len(text)))
                part.set_payload((text[:at] + extra + text[at:]).encode("utf-8"))
                del part["Content-Transfer-Encoding"]
                part["Content-Transfer-Encoding"] = data.draw(st.sampled_from(["8bit", "binary"]))
                changed = True
        if changed:
            return msg.as_bytes()
    except Exception:
        pass
    return raw + b"\r\n" + extra.encode("utf-8", "surrogateescape")


def m_nest(raw: bytes, data: st.DataObject) -> bytes:
    """Wrap the message as message/rfc822 inside a multipart, maybe reusing a boundary."""
    depth = data.draw(st.integers(1, 4))
    same = data.draw(st.booleans())
    for i in range(depth):
        b = b"same" if same else b"outer%d" % i
        raw = (b"From: wrapper@example.org\r\nSubject: fwd\r\nMIME-Version: 1.0\r\n"
               b"Content-Type: multipart/mixed; boundary=\"" + b + b"\"\r\n\r\n--" + b +
               b"\r\nContent-Type: message/rfc822\r\n\r\n" + raw + b"\r\n--" + b + b"--\r\n")
    return raw


def m_line_endings(raw: bytes, data: st.DataObject) -> bytes:
    how = data.draw(st.sampled_from(["lf", "cr", "mixed", "crcrlf"]))
    if how == "lf":
        return raw.replace(b"\r\n", b"\n")
    if how == "cr":
        return raw.replace(b"\r\n", b"\r").replace(b"\n", b"\r")
    if how == "crcrlf":
        return raw.replace(b"\r\n", b"\r\r\n")
    return b"".join(ln + (b"\n" if i % 2 else b"\r\n") for i, ln in enumerate(raw.splitlines()))


MUTATIONS: list[Mutation] = [m_duplicate_header, m_drop_header, m_huge_header, m_encoded_word,
                             m_8bit_header, m_boundary, m_transfer_encoding, m_charset, m_html,
                             m_nest, m_line_endings]


def _check(raw: bytes) -> None:
    """The whole chain must neither raise nor leave an unscannable verdict unexplained."""
    message = parse_message(raw)
    assert message is not None
    result = _SCANNER.scan_bytes(raw, "fuzz")
    if result.verdict.value == "unscannable":
        assert result.reason, "unscannable without a reason"
        assert "analysis failed" not in result.reason, result.reason  # a message must not break its analysis
    out, report = defuse_report(raw, result)
    assert isinstance(out, bytes) and out
    assert report is not None
    # The defused message is itself a message mailward must handle.
    again = _SCANNER.scan_bytes(out, "fuzz-defused")
    assert again.verdict.value != "unscannable" or again.reason
    assert "analysis failed" not in (again.reason or ""), again.reason


_SETTINGS = settings(max_examples=120, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@_SETTINGS
@given(name=st.sampled_from(_NAMES), data=st.data())
def test_mutated_real_messages_never_raise(name: str, data: st.DataObject) -> None:
    raw = BASES[name]
    for mutation in data.draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4),
                              label="mutations"):
        raw = mutation(raw, data)
    _check(raw)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(name=st.sampled_from(_NAMES), data=st.data())
def test_each_mutation_alone(name: str, data: st.DataObject) -> None:
    mutation = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    _check(mutation(BASES[name], data))


def test_base_messages_scan() -> None:
    """The starting points are themselves scannable (else the mutations test nothing)."""
    for name in _NAMES:
        result = _SCANNER.scan_bytes(BASES[name], name)
        assert result.verdict.value != "unscannable" or name == "sample_garbage", name
