"""find_beacons on messages the tests build: every kind of remote load, tracked
links, per-recipient tokens in context, and the negatives."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from mailward.beacons import describe_exposure, find_beacons
from mailward.model import Envelope, Message
from mailward.result import Beacon

from .conftest import RECIPIENT

Build = Callable[..., Message]

PIXEL = "https://px.tracker.example/o/abc.gif"


def _one(message: Message, url: str = PIXEL) -> Beacon:
    found = [b for b in find_beacons(message) if b.url == url]
    assert len(found) == 1, [b.url for b in find_beacons(message)]
    return found[0]


def _page(body: str, style: str = "") -> str:
    head = f"<head><style>{style}</style></head>" if style else ""
    return f"<html>{head}<body><p>Dear reader, the committee met today.</p>{body}</body></html>"


# --- tiny images ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "img",
    [
        f'<img src="{PIXEL}" width="1" height="1">',
        f'<img src="{PIXEL}" width="0" height="0" alt="">',
        f'<img src="{PIXEL}" style="width:1px;height:1px">',
        f'<img src="{PIXEL}" style="width: 0; height: 0;">',
        f'<img src="{PIXEL}" width="1">',
    ],
    ids=["attr-1x1", "attr-0x0", "css-1px", "css-0", "width-only"],
)
def test_tiny_remote_image_is_a_pixel(message: Build, img: str) -> None:
    beacon = _one(message(_page(img)))
    assert beacon.kind == "pixel"
    assert beacon.host == "px.tracker.example"
    assert beacon.operator == "tracker.example"
    assert "ip" in beacon.leaks and "open-time" in beacon.leaks and "device" in beacon.leaks
    assert "identity" not in beacon.leaks
    assert "image" in beacon.evidence


# --- hidden images ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "style", "reason"),
    [
        (f'<img src="{PIXEL}" width="300" height="200" style="display:none">', "", "display"),
        (f'<img src="{PIXEL}" width="300" height="200" style="visibility:hidden">', "", "visibility"),
        (f'<img src="{PIXEL}" width="300" height="200" style="opacity:0">', "", "opacity"),
        (f'<div style="display:none"><p><img src="{PIXEL}" width="300" height="200"></p></div>', "", "ancestor"),
        (f'<img class="trk" src="{PIXEL}" width="300" height="200">', ".trk{display:none}", "display"),
        (f'<img src="{PIXEL}" width="300" height="200" style="position:absolute;left:-9999px">', "", "off-screen"),
        (f'<div style="width:0;height:0;overflow:hidden"><img src="{PIXEL}" width="300" height="200"></div>', "", "zero size"),
        (f'<p hidden><img src="{PIXEL}" width="300" height="200"></p>', "", "hidden attribute"),
        (f'<img src="{PIXEL}" width="300" height="200" style="DISPLAY: NONE !important">', "", "display"),
    ],
    ids=["display-none", "visibility-hidden", "opacity-0", "ancestor", "style-block-class", "off-screen", "zero-size-ancestor", "hidden-attribute", "important"],
)
def test_hidden_remote_image(message: Build, body: str, style: str, reason: str) -> None:
    beacon = _one(message(_page(body, style)))
    assert beacon.kind == "hidden"
    assert reason in beacon.evidence


# --- CSS and other loads -----------------------------------------------------------------


def test_css_background_image_inline(message: Build) -> None:
    beacon = _one(message(_page(f'<table><tr><td style="background-image:url(\'{PIXEL}\')">x</td></tr></table>')))
    assert beacon.kind == "css"
    assert "url()" in beacon.evidence


def test_css_url_in_style_block(message: Build) -> None:
    beacon = _one(message(_page("<div class=hd>x</div>", f".hd {{ background: url({PIXEL}) no-repeat; }}")))
    assert beacon.kind in ("css", "hidden")


def test_background_attribute(message: Build) -> None:
    beacon = _one(message(_page(f'<table background="{PIXEL}"><tr><td>x</td></tr></table>')))
    assert beacon.kind == "css"
    assert "background" in beacon.evidence


def test_srcset_candidates(message: Build) -> None:
    other = "https://img.tracker.example/o/abc@2x.gif"
    msg = message(_page(f'<img src="cid:logo" srcset="{PIXEL} 1x, {other} 2x" width="200" height="80">'))
    urls = {b.url for b in find_beacons(msg)}
    assert PIXEL in urls and other in urls
    assert all(b.kind != "pixel" for b in find_beacons(msg))


def test_remote_stylesheet_and_import(message: Build) -> None:
    sheet = "https://css.tracker.example/s.css"
    imported = "https://css.tracker.example/i.css"
    html = (
        f'<html><head><link rel="stylesheet" href="{sheet}">'
        f'<style>@import url("{imported}"); p {{ color: red }}</style></head>'
        "<body><p>x</p></body></html>"
    )
    beacons = {b.url: b for b in find_beacons(message(html))}
    assert beacons[sheet].kind == "stylesheet"
    assert beacons[imported].kind == "stylesheet"
    assert "@import" in beacons[imported].evidence


def test_remote_font(message: Build) -> None:
    font = "https://fonts.tracker.example/f.woff2"
    style = f"@font-face {{ font-family: X; src: url('{font}') format('woff2'); }}"
    beacon = _one(message(_page("<p style='font-family:X'>x</p>", style)), font)
    assert beacon.kind == "font"


@pytest.mark.parametrize(
    ("tag", "url", "kind"),
    [
        ('<iframe src="{u}" width="1" height="1"></iframe>', "https://frame.tracker.example/f", "frame"),
        ('<object data="{u}"></object>', "https://obj.tracker.example/o.swf", "embed"),
        ('<embed src="{u}">', "https://obj.tracker.example/e.swf", "embed"),
        ('<video poster="{u}" width="320"></video>', "https://media.tracker.example/p.jpg", "media"),
        ('<audio src="{u}"></audio>', "https://media.tracker.example/a.mp3", "media"),
    ],
    ids=["iframe", "object", "embed", "video-poster", "audio"],
)
def test_frames_and_media(message: Build, tag: str, url: str, kind: str) -> None:
    beacon = _one(message(_page(tag.format(u=url))), url)
    assert beacon.kind == kind


def test_protocol_relative_url_is_remote(message: Build) -> None:
    beacon = _one(message(_page('<img src="//px.tracker.example/o.gif" width="1" height="1">')), "//px.tracker.example/o.gif")
    assert beacon.kind == "pixel"


def test_large_content_image_is_remote_not_pixel(message: Build) -> None:
    url = "https://cdn.outlet.example/photos/parliament.jpg"
    beacon = _one(message(_page(f'<img src="{url}" width="600" height="400" alt="Parliament">')), url)
    assert beacon.kind == "remote"
    assert beacon.operator == "outlet.example"


def test_known_open_pixel_url_without_size_is_a_pixel(message: Build) -> None:
    url = "https://acme.us3.list-manage.com/track/open.php?u=a1b2c3&id=d4e5f6&e=0a1b2c3d"
    beacon = _one(message(_page(f'<img src="{url}">')), url)
    assert beacon.kind == "pixel"
    assert beacon.tracker == "Mailchimp" and beacon.operator == "Mailchimp"


# --- negatives ---------------------------------------------------------------------------


def test_inline_cid_and_data_images_are_not_beacons(message: Build) -> None:
    html = _page(
        '<img src="cid:spacer@outlet" width="1" height="1">'  # a 1px spacer served from cid:
        '<img src="cid:logo@outlet" width="200" height="50">'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="1" height="1">'
        '<img src="/relative/pixel.gif" width="1" height="1">'
        '<div style="background:url(cid:bg@outlet)">x</div>'
    )
    assert find_beacons(message(html)) == ()


def test_ordinary_links_are_not_beacons(message: Build) -> None:
    html = _page(
        '<a href="https://www.outlet.example/news/2024/committee-report">Read</a>'
        '<a href="https://www.example.org/?page=2">More</a>'
        '<a href="mailto:desk@outlet.example">Write</a>'
    )
    assert find_beacons(message(html, text="See https://www.outlet.example/news/ today")) == ()


def test_no_recipient_no_identity(message: Build) -> None:
    html = _page(f'<img src="https://px.tracker.example/o.gif?e={RECIPIENT}" width="1" height="1">')
    beacon = find_beacons(message(html, to="undisclosed-recipients:;"))[0]
    assert not beacon.per_recipient
    assert "identity" not in beacon.leaks


# --- links ---------------------------------------------------------------------------------


def test_click_redirector_is_a_link_beacon(message: Build) -> None:
    url = "https://acme.us3.list-manage.com/track/click?u=a1b2c3&id=d4e5f6&e=0a1b2c3d"
    beacon = _one(message(_page(f'<a href="{url}">Read the report</a>')), url)
    assert beacon.kind == "link"
    assert beacon.tracker == "Mailchimp"
    assert "click" in beacon.leaks and "open-time" not in beacon.leaks
    assert "click-tracking" in beacon.evidence


def test_custom_domain_redirector_by_shape_with_destination(message: Build) -> None:
    url = "https://links.outlet.example/L0/https:%2F%2Fwww.outlet.example%2Fstory/1/0100018e-ab/xyz="
    sendgrid = "https://url4812.outlet.example/ls/click?upn=abcDEF-2Bghi"
    msg = message(_page(f'<a href="{url}">Story</a><a href="{sendgrid}">More</a>'))
    urls = {b.url: b for b in find_beacons(msg)}
    assert url not in urls  # an SES path shape alone is not distinctive enough
    assert urls[sendgrid].tracker == "Twilio SendGrid"


def test_text_part_redirector(message: Build) -> None:
    url = "https://a1.r.us-east-1.awstrack.me/L0/https:%2F%2Fwww.outlet.example%2Fstory/1/0100018e-ab/xyz="
    beacon = _one(message(None, text=f"Read it here: {url}"), url)
    assert beacon.kind == "link"
    assert beacon.destination == "https://www.outlet.example/story"
    assert beacon.operator == "Amazon SES"


def test_link_with_recipient_token_is_a_beacon_even_on_an_unknown_host(message: Build) -> None:
    digest = hashlib.sha256(RECIPIENT.lower().encode()).hexdigest()
    url = f"https://news-outlet-briefing.example/article/2024/{digest}"
    beacon = _one(message(_page(f'<a href="{url}">Read the article</a>')), url)
    assert beacon.kind == "link"
    assert beacon.per_recipient and beacon.token is not None
    assert beacon.token.encoding == "sha256(lower)" and beacon.token.location == "path[2]"
    assert "identity" in beacon.leaks


# --- tokens in context ---------------------------------------------------------------------


def test_pixel_with_recipient_token(message: Build) -> None:
    digest = hashlib.sha256(RECIPIENT.lower().encode()).hexdigest()
    url = f"https://px.tracker.example/o.gif?uid={digest}"
    beacon = _one(message(_page(f'<img src="{url}" width="1" height="1">')), url)
    assert beacon.per_recipient
    # the parser lower-cases the domain part; the local part is kept as written
    assert beacon.token is not None and beacon.token.recipient == "Zoe.Kyriakou@parliament.example"
    assert beacon.token.location == "query:uid"
    assert "identity" in beacon.leaks
    summary = describe_exposure(find_beacons(message(_page(f'<img src="{url}" width="1" height="1">'))))
    assert summary == (
        "Opening this message tells tracker.example your IP address, device and when you read it, "
        "tied to your address by a SHA-256 token"
    )


def test_address_hashed_with_its_original_case(message: Build) -> None:
    url = f"https://px.tracker.example/o.gif?h={hashlib.sha1(RECIPIENT.encode()).hexdigest()}"
    beacon = _one(message(_page(f'<img src="{url}" width="1" height="1">')), url)
    assert beacon.token is not None and beacon.token.encoding == "sha1"
    assert beacon.token.recipient == RECIPIENT


def test_envelope_recipient_wins_over_headers(message: Build) -> None:
    bcc = "Press.Office@Parliament.example"
    url = f"https://px.tracker.example/o.gif?m={hashlib.md5(bcc.encode()).hexdigest()}"
    msg = message(_page(f'<img src="{url}" width="1" height="1">'), envelope=Envelope(rcpt_to=(f"<{bcc}>",)))
    beacon = _one(msg, url)
    assert beacon.per_recipient and beacon.token is not None
    assert beacon.token.recipient == bcc and beacon.token.encoding == "md5"


def test_delivered_to_is_used(message: Build) -> None:
    url = "https://px.tracker.example/o.gif?r=desk%40parliament.example"
    msg = message(
        _page(f'<img src="{url}" width="1" height="1">'),
        to="undisclosed-recipients:;",
        headers="Delivered-To: desk@parliament.example\r\n",
    )
    beacon = _one(msg, url)
    assert beacon.per_recipient and beacon.token is not None and beacon.token.encoding == "urlencoded"


def _listed(count: int) -> str:
    return ", ".join(f"Member {i} <m{i}@Lists.example>" for i in range(count))


def test_recipients_past_the_token_limit_are_not_searched(message: Build) -> None:
    """A copy to 150 visible addresses: the reader (Delivered-To) and the first 100
    people are searched for tokens, the rest are not, and the parse says so."""
    reader = "desk@parliament.example"
    first = f"https://px.tracker.example/a.gif?m={hashlib.md5(b'm98@Lists.example').hexdigest()}"
    late = f"https://px.tracker.example/b.gif?m={hashlib.md5(b'm120@Lists.example').hexdigest()}"
    own = f"https://px.tracker.example/c.gif?m={hashlib.md5(reader.encode()).hexdigest()}"
    imgs = "".join(f'<img src="{u}" width="1" height="1">' for u in (first, late, own))
    msg = message(_page(imgs), to=_listed(150), headers=f"Delivered-To: {reader}\r\n")
    assert msg.limits_hit == ("max_token_recipients",)
    assert len({a.lower() for a in msg.recipients_as_written}) == 100
    assert _one(msg, own).token.recipient == reader  # type: ignore[union-attr]
    # the 99th listed address (m98) is the 100th person: the reader comes first
    assert _one(msg, first).per_recipient and _one(msg, first).token.recipient == "m98@Lists.example"  # type: ignore[union-attr]
    assert not _one(msg, late).per_recipient


def test_a_list_within_the_token_limit_is_searched_whole(message: Build) -> None:
    last = f"https://px.tracker.example/a.gif?m={hashlib.sha1(b'm99@Lists.example').hexdigest()}"
    msg = message(_page(f'<img src="{last}" width="1" height="1">'), to=_listed(100))
    assert msg.limits_hit == ()
    beacon = _one(msg, last)
    # the address as the header wrote it (the parser lower-cased its domain)
    assert beacon.per_recipient and beacon.token is not None and beacon.token.recipient == "m99@Lists.example"


def test_opaque_identifier_is_reported_with_low_confidence(message: Build) -> None:
    url = "https://px.tracker.example/o/7Hq2LmZx9PwR4sKd8VnB3cYf.gif"
    beacon = _one(message(_page(f'<img src="{url}" width="1" height="1">')), url)
    assert not beacon.per_recipient
    assert beacon.token is not None and beacon.token.confidence == "low"


# --- summary ----------------------------------------------------------------------------------


def test_describe_exposure_names_operator_and_tracker(message: Build) -> None:
    url = "https://acme.us3.list-manage.com/track/open.php?u=a1b2c3&id=d4e5f6"
    summary = describe_exposure(find_beacons(message(_page(f'<img src="{url}" width="1" height="1">'))))
    assert summary == "Opening this message tells list-manage.com (Mailchimp) your IP address, device and when you read it"


def test_known_subscriber_id_is_a_medium_confidence_token(message: Build) -> None:
    url = "https://acme.us3.list-manage.com/track/open.php?u=a1b2c3&id=d4e5f6&e=0a1b2c3d"
    beacons = find_beacons(message(_page(f'<img src="{url}" width="1" height="1">')))
    beacon = _one(message(_page(f'<img src="{url}" width="1" height="1">')), url)
    assert beacon.per_recipient and beacon.token is not None
    assert (beacon.token.encoding, beacon.token.location, beacon.token.value) == ("subscriber-id", "query:e", "0a1b2c3d")
    assert beacon.token.confidence == "medium"
    assert describe_exposure(beacons).endswith("when you read it, tied to you by its subscriber id")
    # a decoded address says more than a subscriber id and wins in the summary
    digest = hashlib.sha256(RECIPIENT.lower().encode()).hexdigest()
    other = f"https://px.tracker.example/o.gif?h={digest}"
    both = find_beacons(message(_page(f'<img src="{url}" width="1" height="1"><img src="{other}" width="1" height="1">')))
    assert describe_exposure(both).endswith("tied to your address by a SHA-256 token")


def test_describe_exposure_links_only_and_empty(message: Build) -> None:
    url = "https://acme.us3.list-manage.com/track/click?u=a1&id=b2&e=c3"
    summary = describe_exposure(find_beacons(message(_page(f'<a href="{url}">x</a>'))))
    assert summary.startswith("Clicking its links tells list-manage.com (Mailchimp)")
    assert describe_exposure(()) == ""


def test_each_url_is_reported_once(message: Build) -> None:
    img = f'<img src="{PIXEL}" width="1" height="1">'
    beacons = find_beacons(message(_page(img * 5 + f'<img src="{PIXEL}" width="600" height="300">')))
    assert [b.url for b in beacons] == [PIXEL]
    assert beacons[0].kind == "pixel"


def test_beacon_json_contract(message: Build) -> None:
    beacon = _one(message(_page(f'<img src="{PIXEL}" width="1" height="1">')))
    data = beacon.to_json()
    for key in ("url", "kind", "operator", "per_recipient", "leaks"):
        assert key in data


# --- less common constructs (mailward.html) ----------------------------------------------


def test_base_href_makes_relative_urls_remote(message: Build) -> None:
    html = '<html><head><base href="https://px.tracker.example/"></head><body><img src="o/abc.gif" width="1" height="1"><img src="cid:logo"></body></html>'
    beacons = find_beacons(message(html))
    assert [b.url for b in beacons] == [PIXEL]
    assert beacons[0].kind == "pixel"


def test_picture_source_srcset(message: Build) -> None:
    html = _page(f'<picture><source srcset="{PIXEL} 1x" media="(min-width: 1px)"><img src="cid:x" width="300"></picture>')
    assert _one(message(html)).kind in ("remote", "pixel")


def test_svg_image(message: Build) -> None:
    html = _page(f'<svg width="1" height="1"><image href="{PIXEL}" width="1" height="1"/></svg>')
    assert _one(message(html)).kind == "pixel"


def test_legacy_lowsrc(message: Build) -> None:
    html = _page(f'<img src="cid:logo" lowsrc="{PIXEL}" width="1" height="1">')
    assert _one(message(html)).kind == "pixel"


def test_outlook_conditional_comment_vml(message: Build) -> None:
    vml = "https://px.tracker.example/vml-bg.png"
    html = _page(
        "<table><tr><td>"
        '<!--[if gte mso 9]><v:rect xmlns:v="urn:schemas-microsoft-com:vml" fill="true" stroke="false" style="width:600px;">'
        f'<v:fill type="tile" src="{vml}" color="#ffffff" /></v:rect><![endif]-->'
        f'<!--[if mso]><img src="{PIXEL}" width="1" height="1"><![endif]-->'
        "</td></tr></table>"
    )
    beacons = {b.url: b for b in find_beacons(message(html))}
    assert vml in beacons and PIXEL in beacons
    assert beacons[PIXEL].kind == "pixel"


def test_css_image_set_strings(message: Build) -> None:
    other = "https://img.tracker.example/2x.png"
    html = _page(f'<div style="background-image: image-set(\'{PIXEL}\' 1x, \'{other}\' 2x)">x</div>')
    urls = {b.url for b in find_beacons(message(html))}
    assert {PIXEL, other} <= urls


@pytest.mark.parametrize(
    ("body", "style", "reason"),
    [
        (f'<img src="{PIXEL}" width="300" height="200" style="mso-hide:all">', "", "mso-hide"),
        (f'<img src="{PIXEL}" width="300" height="200" style="transform: scale(0)">', "", "scale(0)"),
        (f'<img src="{PIXEL}" width="300" height="200" style="clip-path: inset(50%)">', "", "clipped"),
        (f'<div class="wrap"><span class="trk"><img src="{PIXEL}" width="300" height="200"></span></div>', ".wrap .trk { display: none }", "display:none"),
        (f'<img id="p" src="{PIXEL}" width="300" height="200">', "body > #p { visibility: hidden }", "visibility"),
    ],
    ids=["mso-hide", "transform", "clip-path", "descendant-class", "child-id"],
)
def test_more_hiding(message: Build, body: str, style: str, reason: str) -> None:
    beacon = _one(message(_page(body, style)))
    assert beacon.kind == "hidden"
    assert reason in beacon.evidence


def test_media_query_and_tag_descendant_rules_do_not_hide(message: Build) -> None:
    style = "@media (max-width: 480px) { .desk { display: none } } td img { display: none }"
    url = "https://cdn.outlet.example/photo.jpg"
    beacon = _one(message(_page(f'<table><tr><td><img class="desk" src="{url}" width="600" height="300"></td></tr></table>', style)), url)
    assert beacon.kind == "remote"


def test_beacons_of_an_attached_message_are_found() -> None:
    from mailward.parse import parse_message

    inner = (
        "From: desk@outlet.example\r\nTo: someone@else.example\r\nSubject: inner\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n"
        f'<img src="{PIXEL}?r={RECIPIENT}" width=1 height=1>\r\n'
    )
    raw = (
        f"From: x@outlet.example\r\nTo: {RECIPIENT}\r\nSubject: fwd\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n'
        "--b\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "--b--\r\n"
    )
    beacons = find_beacons(parse_message(raw.encode()))
    assert len(beacons) == 1
    beacon = beacons[0]
    assert beacon.kind == "pixel" and beacon.part.startswith("2/")
    assert "attached message" in beacon.evidence
    # the reader is the outer message's recipient
    assert beacon.per_recipient


def test_urls_split_by_newlines_or_backslashes_are_still_remote(message: Build) -> None:
    html = _page(
        '<img src="https://px.tracker&#10;.example/o/a.gif" width="1" height="1">'
        '<img src="https:\\\\px.tracker.example\\o\\b.gif" width="1" height="1">'
    )
    beacons = find_beacons(message(html))
    assert len(beacons) == 2
    assert {b.host for b in beacons} == {"px.tracker.example"}
    assert all(b.kind == "pixel" for b in beacons)


@pytest.mark.parametrize(
    "style",
    [
        "background-image: \\75 rl(https://px.tracker.example/o/abc.gif)",
        "background-image: u\\rl(https://px.tracker.example/o/abc.gif)",
        "background-image: url(https://px.tracker.example/o/ab\\63 .gif)",
        "background-image: /* x */ url(https://px.tracker.example/o/abc.gif)",
    ],
    ids=["hex-escape", "char-escape", "escape-in-url", "comment"],
)
def test_css_escapes_do_not_hide_a_url(message: Build, style: str) -> None:
    html = _page(f'<div style="{style}">x</div>')
    assert {b.url for b in find_beacons(message(html))} == {PIXEL}


def test_links_to_a_pixel_only_service_site_are_not_click_beacons(message: Build) -> None:
    url = "https://www.facebook.com/OutletNewsroomOfficial7x9Q2w8E4r"
    assert find_beacons(message(_page(f'<a href="{url}">Follow us</a>'))) == ()


def test_content_image_file_names_are_not_opaque_tokens(message: Build) -> None:
    named = "https://cdn.outlet.example/images/7f64b4f6-6e40-4262-a53f-aa356abcac59.png"
    tagged = "https://cdn.outlet.example/images/logo.png?u=9Xk2Lq7Wm4Rt8Zp3Vb6N"
    beacons = {b.url: b for b in find_beacons(message(_page(f'<img src="{named}" width="600" height="300"><img src="{tagged}" width="200" height="80">')))}
    assert beacons[named].kind == "remote" and beacons[named].token is None
    assert beacons[tagged].token is not None and beacons[tagged].token.location == "query:u"


def test_summary_names_each_service_once_and_counts_the_rest(message: Build) -> None:
    html = _page(
        '<img src="https://acme.us3.list-manage.com/track/open.php?u=a&id=b" width="1" height="1">'
        '<img src="https://mcusercontent.com/abc/images/header.png" width="600" height="200">'
        '<img src="https://cdn.one.example/a.png" width="600" height="200">'
        '<img src="https://cdn.two.example/b.png" width="600" height="200">'
        '<img src="https://cdn.three.example/c.png" width="600" height="200">'
    )
    summary = describe_exposure(find_beacons(message(html)))
    assert summary.startswith("Opening this message tells list-manage.com (Mailchimp), one.example and 2 others ")
