"""Defusing: unit cases and a property test over many generated messages."""

from __future__ import annotations

import email
import re
from email import policy
from email.message import EmailMessage

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from mailward.gateway.defuse import defuse, defuse_report, is_remote, sanitise_css
from mailward.gateway.mimesplice import DecodeCache, rewrite_text_parts, split_head
from mailward.gateway.settings import GatewaySettings
from mailward.result import Beacon, ScanResult, Verdict

PIXEL = "https://t.tracker.example/o.gif?u=1"
CLICK = "https://click.tracker.example/c?url=https%3A%2F%2Fdest.example.org%2Fpage"


def result(*beacons: Beacon, summary: str = "") -> ScanResult:
    return ScanResult(source="t", verdict=Verdict.TRACKING, score=1.0, beacons=beacons, summary=summary)


def html_message(html: str, text: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "a@example.org"
    msg["Subject"] = "t"
    if text is not None:
        msg.set_content(text)
        msg.add_alternative(html, subtype="html")
    else:
        msg.set_content(html, subtype="html")
    return msg.as_bytes(policy=policy.SMTP)


def parsed(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def body_html(raw: bytes) -> str:
    part = parsed(raw).get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def remote_loads(html: str) -> list[str]:
    """Every URL a mail client would fetch when showing ``html``."""
    tree = LexborHTMLParser(html)
    found = []
    for node in tree.root.traverse() if tree.root else ():
        for name, value in (node.attrs or {}).items():
            if value and name in ("src", "srcset", "background", "poster", "data", "xlink:href") and is_remote(value):
                found.append(value)
            if value and name == "href" and node.tag not in ("a", "area") and is_remote(value):
                found.append(value)
            if value and name == "style" and re.search(r"url\(\s*['\"]?https?:", value, re.I):
                found.append(value)
        if node.tag == "style" and re.search(r"url\(|@import", node.text() or "", re.I):
            css = node.text() or ""
            if re.search(r"url\(\s*['\"]?(?!data:|cid:)", css, re.I) or "@import" in css:
                found.append(css)
    return found


def test_pixel_removed_image_placeholder_link_rewritten_banner() -> None:
    raw = html_message(
        f'<html><body><p>Hi <a href="{CLICK}">read</a></p><img src="{PIXEL}" width="1" height="1">'
        '<img src="https://cdn.example.org/a.jpg" alt="photo"></body></html>',
        text=f"Hi, read {CLICK}\n",
    )
    beacons = (Beacon(url=PIXEL, kind="pixel", operator="T", host="t.tracker.example"),
               Beacon(url=CLICK, kind="link", operator="T", host="click.tracker.example"))
    out, report = defuse_report(raw, result(*beacons, summary="This message claims to be from Reuters but was sent from reuters-newsdesk.com."))
    html = body_html(out)
    assert PIXEL not in html and "cdn.example.org/a.jpg" not in html
    assert 'href="https://dest.example.org/page"' in html
    assert "claims to be from Reuters" in html
    assert report.beacons_removed == 1 and report.images_blocked == 1 and report.links_rewritten == 1
    text = str(parsed(out).get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]
    assert text.startswith("mailward: This message claims to be from Reuters")
    assert "https://dest.example.org/page" in text and CLICK not in text
    assert remote_loads(html) == []
    # headers untouched: the milter only replaces the body
    assert split_head(out)[0] == split_head(raw)[0]


def test_tracked_link_without_destination_is_kept_and_marked() -> None:
    url = "https://links.esp.example/track/abc123def456"
    raw = html_message(f'<html><body><a href="{url}">story</a></body></html>')
    out, report = defuse_report(raw, result(Beacon(url=url, kind="link", operator="ESP", host="links.esp.example")))
    html = body_html(out)
    assert f'href="{url}"' in html and "[tracked link]" in html and "tells ESP" in html
    assert report.links_marked == 1


def test_remote_image_modes() -> None:
    raw = html_message('<html><body><img src="https://cdn.example.org/a.jpg" alt="Logo"></body></html>')
    for mode, expect in (("placeholder", "data:image/svg+xml"), ("alt", "[image: Logo]"), ("remove", "")):
        html = body_html(defuse(raw, result(), GatewaySettings(remote_images=mode)))
        assert "https://cdn.example.org" not in html
        if expect:
            assert expect in html
        else:
            assert "<img" not in html


def test_active_content_and_css_tricks_are_dropped() -> None:
    raw = html_message(
        '<html><head><link rel="stylesheet" href="https://x.example/s.css"><base href="https://evil.example/">'
        '<meta http-equiv="refresh" content="0;url=https://evil.example/r">'
        '<style>@font-face{font-family:x;src:url(https://f.example/x.woff)} .a{background:u\\72l(https://e.example/b)}</style></head>'
        '<body background="https://bg.example/b.png"><iframe src="https://frame.example/"></iframe>'
        '<div style="background-image:url(&quot;https://s.example/q.png&quot;)">x</div>'
        '<img srcset="https://a.example/1.png 1x, https://a.example/2.png 2x">'
        '<svg><image href="https://svg.example/i.png"/></svg><video poster="https://v.example/p.jpg"></video>'
        '<a href="https://ok.example/" ping="https://ping.example/">ok</a>'
        '<!--[if gte mso 9]><v:image src="https://vml.example/i.png" /><![endif]-->'
        '<v:fill src="https://vml2.example/f.png"></v:fill>'
        '<svg><rect fill="url(https://paint.example/p.svg#g)" width="5"/></svg></body></html>'
    )
    html = body_html(defuse(raw, result()))
    for host in ("//x.example", "//evil.example", "//f.example", "//e.example", "//bg.example", "//frame.example",
                 "//s.example", "//a.example", "//svg.example", "//v.example", "//ping.example",
                 "//vml.example", "//vml2.example", "//paint.example"):
        assert host not in html, host
    assert 'href="https://ok.example/"' in html  # ordinary links stay
    assert remote_loads(html) == []


def test_css_sanitiser_keeps_local_urls() -> None:
    css, removed = sanitise_css("a{background:url(cid:logo)} b{background:url('https://t.example/x')}")
    assert "url(cid:logo)" in css and "t.example" not in css and removed
    assert sanitise_css("p{color:red}") == ("p{color:red}", False)
    assert sanitise_css("@import 'https://x.example/a.css'; p{color:red}")[0].strip() == "p{color:red}"


def test_non_mime_and_base64_parts() -> None:
    plain = b"From: a@example.org\r\nSubject: x\r\n\r\nvisit https://click.tracker.example/c?url=https%3A%2F%2Fdest.example.org%2F\r\n"
    beacon = Beacon(url="https://click.tracker.example/c?url=https%3A%2F%2Fdest.example.org%2F", kind="link",
                    operator="T", host="click.tracker.example")
    out = defuse(plain, result(beacon))
    assert b"https://dest.example.org/" in out and b"click.tracker" not in out
    msg = EmailMessage()
    msg["From"] = "a@example.org"
    msg.set_content(f'<html><body><img src="{PIXEL}" width=1 height=1>x</body></html>', subtype="html", cte="base64")
    out = defuse(msg.as_bytes(policy=policy.SMTP), result())
    assert PIXEL not in body_html(out) and "hidden image" in body_html(out)


def test_untouched_when_nothing_to_do_is_byte_exact() -> None:
    msg = EmailMessage()
    msg["From"] = "a@example.org"
    msg.set_content("hello")
    msg.add_attachment(b"\x00\x01binary", maintype="application", subtype="octet-stream", filename="a.bin")
    raw = msg.as_bytes(policy=policy.SMTP)
    assert rewrite_text_parts(raw, lambda leaf: None) == raw
    # banner off and nothing remote: the message comes back unchanged
    assert defuse(raw, result(), GatewaySettings(banner=False)) == raw


def test_shared_decode_cache_reuses_a_part_only_while_its_bytes_are_the_same() -> None:
    msg = EmailMessage()
    msg["From"] = "a@example.org"
    msg.set_content("caf\u00e9 = ok\n" * 20, cte="quoted-printable")
    msg.add_alternative("<p>caf\u00e9</p>", subtype="html", cte="quoted-printable")
    raw = msg.as_bytes(policy=policy.SMTP)
    cache: DecodeCache = {}
    seen: list[tuple[str, str]] = []
    assert rewrite_text_parts(raw, lambda leaf: seen.append((leaf.path, leaf.text)) or None, cache) is raw
    assert len(cache) == 2 and all(body in raw for body, *_ in cache.values())
    again: list[tuple[str, str]] = []
    out = rewrite_text_parts(raw, lambda leaf: again.append((leaf.path, leaf.text)) or leaf.text.upper(), cache)
    assert again == seen  # the cached texts are what a fresh decode gives
    fresh: list[tuple[str, str]] = []
    rewrite_text_parts(out, lambda leaf: fresh.append((leaf.path, leaf.text)) or None, cache)
    # the rewritten parts have other bytes: decoded again, not taken from the cache
    assert fresh == [(path, text.upper()) for path, text in seen]


def test_malformed_input_never_raises() -> None:
    samples = [
        b"",
        b"no headers at all",
        b"Content-Type: multipart/mixed\r\n\r\nno boundary",
        b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!\r\n',
        b"Content-Type: text/html; charset=no-such-charset\r\n\r\n<img src=http://x.example/a width=1>",
        b"Content-Type: text/html\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n<img src=http://x.example/a>",
    ]
    for raw in samples:
        out = defuse(raw, result())
        assert isinstance(out, bytes)
    out = defuse(samples[4], result())
    assert b"http://x.example/a" not in out


# -- property: defused messages are valid MIME with the same parts, minus the beacons --------

_words = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "Zs")), min_size=1, max_size=30)
_host = st.sampled_from(["t.tracker.example", "cdn.news.example", "img.esp.example", "pixel.example.net"])


@st.composite
def html_bodies(draw: st.DrawFn) -> tuple[str, list[str]]:
    pieces: list[str] = []
    remote: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["p", "pixel", "hidden", "img", "link", "style", "bg", "cid"]))
        host = draw(_host)
        path = draw(st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True))
        url = f"https://{host}/{path}.gif"
        words = draw(_words)
        if kind == "p":
            pieces.append(f"<p>{words}</p>")
        elif kind == "pixel":
            pieces.append(f'<img src="{url}" width="1" height="1">')
            remote.append(url)
        elif kind == "hidden":
            pieces.append(f'<div style="display:none"><img src="{url}"></div>')
            remote.append(url)
        elif kind == "img":
            pieces.append(f'<img src="{url}" alt="{path}">')
            remote.append(url)
        elif kind == "link":
            pieces.append(f'<a href="https://site.example/{path}">{words}</a>')
        elif kind == "style":
            pieces.append(f"<style>p{{background:url('{url}')}}</style>")
            remote.append(url)
        elif kind == "bg":
            pieces.append(f'<td background="{url}">{words}</td>')
            remote.append(url)
        else:
            pieces.append(f'<img src="cid:{path}@example">')
    return "<html><body>" + "".join(pieces) + "</body></html>", remote


@st.composite
def messages(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    html, remote = draw(html_bodies())
    text = draw(_words) + "\n"
    cte_text = draw(st.sampled_from(["8bit", "quoted-printable", "base64"]))
    cte_html = draw(st.sampled_from(["8bit", "quoted-printable", "base64"]))
    shape = draw(st.sampled_from(["html", "alternative", "mixed", "nested"]))
    msg = EmailMessage()
    msg["From"] = "sender@example.org"
    msg["To"] = "alice@test.local"
    msg["Subject"] = draw(_words)
    if shape == "html":
        msg.set_content(html, subtype="html", cte=cte_html)
    else:
        msg.set_content(text, cte=cte_text)
        msg.add_alternative(html, subtype="html", cte=cte_html)
        if shape in ("mixed", "nested"):
            msg.add_attachment(draw(st.binary(min_size=0, max_size=200)), maintype="application",
                               subtype="octet-stream", filename="data.bin")
        if shape == "nested":
            inner = EmailMessage()
            inner["From"] = "inner@example.org"
            inner.set_content(html, subtype="html")
            msg.add_attachment(inner)
    for index, part in enumerate(msg.walk()):
        if part.is_multipart():  # fixed boundaries: email's own come from the random module
            part.set_boundary(f"=_part_{index}_=")
    return msg.as_bytes(policy=policy.SMTP), remote


def _shape(msg: EmailMessage) -> list[str]:
    return [part.get_content_type() for part in msg.walk()]


def _attachments(msg: EmailMessage) -> list[bytes]:
    return [part.get_payload(decode=True) or b"" for part in msg.walk()
            if part.get_content_type() == "application/octet-stream"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages())
def test_defused_message_reparses_to_the_same_parts_minus_beacons(case: tuple[bytes, list[str]]) -> None:
    raw, remote = case
    beacons = tuple(Beacon(url=u, kind="pixel", operator="x", host="x") for u in remote[:1])
    assert_same_parts_minus_beacons(raw, defuse(raw, result(*beacons)), remote)


def assert_same_parts_minus_beacons(raw: bytes, out: bytes, remote: list[str]) -> None:
    """``out`` parses as ``raw`` does, part for part, with none of ``remote`` loading."""
    before, after = parsed(raw), parsed(out)
    assert not after.defects, after.defects
    assert _shape(after) == _shape(before)
    assert _attachments(after) == _attachments(before)
    assert split_head(out)[0] == split_head(raw)[0]
    for part in after.walk():
        if part.get_content_type() == "text/html" and part.get_content_disposition() != "attachment":
            html = str(part.get_content())
            assert remote_loads(html) == [], html
            for url in remote:
                assert url not in html
        if part.get_content_type() == "text/plain":
            before_text = next(p for p in before.walk() if p.get_content_type() == "text/plain").get_content()
            assert str(before_text).strip() in str(part.get_content())


def test_undeclared_8bit_text_keeps_its_bytes() -> None:
    raw = b"From: a@example.org\r\nSubject: x\r\n\r\ncaf\xe9 cr\xe8me \xff\r\n"
    out, report = defuse_report(raw, result(summary="Something was found."))
    assert report.changed
    assert out.startswith(b"From: a@example.org\r\nSubject: x\r\n\r\nmailward: Something was found.")
    assert out.endswith(b"caf\xe9 cr\xe8me \xff\r\n")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from([b"text/html", b"multipart/mixed; boundary=x", b"text/plain"]))
def test_defuse_never_raises_on_any_bytes(body: bytes, ctype: bytes) -> None:
    raw = b"From: a@example.org\r\nContent-Type: " + ctype + b"\r\n\r\n" + body
    out = defuse(raw, result(summary="x"))
    assert split_head(out)[0] == split_head(raw)[0]


def test_image_in_hidden_container_counts_as_a_beacon_without_scan_help() -> None:
    raw = html_message('<html><body><div style="display: none"><span><img src="https://t.example/x.png"></span></div>'
                       '<div hidden><img src="https://t.example/y.png"></div><p>visible</p></body></html>')
    out, report = defuse_report(raw, result())
    assert report.beacons_removed == 2 and report.images_blocked == 0
    assert "t.example" not in body_html(out)


def test_bare_cr_line_endings_are_defused_as_clients_read_them() -> None:
    """Found by the browser oracle: with CR-only line ends the splice saw one header
    line and rewrote nothing, while mail clients (and the scan) find the HTML part."""
    raw = html_message(f'<html><body><img src="{PIXEL}" width="1" height="1"><p>x</p></body></html>')
    raw = raw.replace(b"\r\n", b"\r")
    out = defuse(raw, result(Beacon(url=PIXEL, kind="pixel", operator="T", host="t.tracker.example")))
    msg = email.message_from_bytes(out, policy=policy.default)
    htmls = [str(p.get_content()) for p in msg.walk() if p.get_content_type() == "text/html"]  # type: ignore[attr-defined]
    assert htmls and all(remote_loads(h) == [] and PIXEL not in h for h in htmls)


def test_mixed_line_endings_are_defused_as_clients_read_them() -> None:
    """Found by the browser oracle: alternating LF and CRLF line ends made the splice and
    a client's parser disagree on the parts; the defused message is checked the
    client's way and defused again with every line end as CRLF."""
    raw = html_message('<html><body background="//t.example/b.gif"><p>x</p></body></html>',
                       text="plain text\n")
    raw = b"".join(line + (b"\n" if i % 2 else b"\r\n") for i, line in enumerate(raw.splitlines()))
    out = defuse(raw, result())
    msg = email.message_from_bytes(out, policy=policy.compat32)
    htmls = [p.get_payload(decode=True).decode() for p in msg.walk() if p.get_content_type() == "text/html"]
    assert htmls and all("t.example" not in h for h in htmls)


def test_read_receipt_requests_leave_the_header_and_nothing_else_does() -> None:
    raw = html_message("<p>Twenty minutes for an interview?</p>")
    head, sep, body = split_head(raw)
    asked = (head + b"Disposition-Notification-To: <desk@elsewhere.example>\r\n"
             b"return-receipt-to:\r\n forum.desk@gmail.com\r\n\tfolded on\r\nX-Confirm-Reading-To: desk@elsewhere.example\r\n"
             b"X-Kept: yes\r\n" + sep + body)
    out, report = defuse_report(asked, result())
    new_head, _sep, _body = split_head(out)
    assert report.receipts_removed == 3
    assert new_head == head + b"X-Kept: yes\r\n"  # every other header byte for byte, the folded lines gone too
    assert "read receipt" in report.banner
    # only defusing takes them out: the banner-only action and a message without them keep every header
    kept, banner_only = defuse_report(asked, result(), neutralise=False)
    assert split_head(kept)[0] == split_head(asked)[0] and banner_only.receipts_removed == 0
    plain = EmailMessage()
    plain["From"] = "a@example.org"
    plain.set_content("hello")
    text_only = plain.as_bytes(policy=policy.SMTP)
    untouched, none = defuse_report(text_only, result(), GatewaySettings(banner=False))
    assert untouched == text_only and none.receipts_removed == 0


def test_drop_fields_reads_field_starts_and_continuations() -> None:
    from mailward.gateway.mimesplice import drop_fields

    head = b"A: 1\r\nDrop: x\r\n y\r\nB: 2\nDROP : z\nC: 3\r\n"
    assert drop_fields(head, ("drop",)) == (b"A: 1\r\nB: 2\nC: 3\r\n", 2)
    assert drop_fields(head, ("absent",)) == (head, 0)
    assert drop_fields(b" leading continuation\r\nDrop: x\r\n", ("drop",)) == (b" leading continuation\r\n", 1)


@given(st.lists(st.sampled_from([b"Disposition-Notification-To: a@b\r\n", b"DISPOSITION-NOTIFICATION-TO:x\n",
                                 b" folded\r\n", b"\tfolded\n", b"X-Other: 1\r\n", b"Subject: hi\r", b"junk\n",
                                 b"Return-Receipt-To : c@d\r\n", b":\r\n"]), max_size=12))
def test_drop_fields_keeps_every_other_line_in_order(lines: list[bytes]) -> None:
    from mailward.gateway.mimesplice import drop_fields

    head = b"".join(lines)
    out, dropped = drop_fields(head, ("disposition-notification-to", "return-receipt-to"))
    kept = out.splitlines(keepends=True)
    assert b"".join(kept) == out
    assert b"notification-to" not in out.lower() and b"receipt-to" not in out.lower()
    # what is left is the input's lines in order, less whole fields (a field and its continuations)
    source = iter(head.splitlines(keepends=True))
    assert all(any(line == other for other in source) for line in kept)
    assert dropped == sum(1 for line in head.splitlines() if line.split(b":", 1)[0].strip().lower()
                          in (b"disposition-notification-to", b"return-receipt-to") and b":" in line)
