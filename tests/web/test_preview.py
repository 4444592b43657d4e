"""The preview sanitiser on hostile HTML: nothing remote, no script, no handlers survive."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mailward.parse import parse_message
from mailward.web.preview import PLACEHOLDER, PREVIEW_CSP, preview_document, sanitise_html

from .crafted import ATTACKS, EVIL, crafted_message

DANGEROUS = re.compile(r"<\s*(script|style|iframe|frame|object|embed|form|input|button|base|meta|link|svg|"
                       r"video|audio|source|picture|template|math)\b|\son\w+\s*=|javascript:|\ssrcset\s*=|\sbackground\s*=|"
                       r"url\s*\(|@import|xlink:", re.I)


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_leaves_nothing_remote_or_active(name):
    document = preview_document(parse_message(crafted_message(name, ATTACKS[name]))).document
    assert "evil.invalid" not in document
    body = document.split("<body>", 1)[1].replace(PLACEHOLDER, "")  # the message's part, not our wrapper
    assert "://" not in body
    found = DANGEROUS.search(body)
    assert found is None, found.group(0)
    assert f"MARKER-{name}" in body  # the readable text is still shown


def test_images_become_the_local_placeholder_and_inline_data_images_stay():
    out = sanitise_html(f'<img src="{EVIL}/a.gif" alt="logo"><img src="cid:part1"><img src="data:image/png;base64,iVBORw0KGgo=">')
    assert out.count(PLACEHOLDER) == 2
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in out
    assert 'alt="logo"' in out


def test_data_svg_images_are_replaced():
    out = sanitise_html('<img src="data:image/svg+xml,%3Csvg onload=alert(1)%3E">')
    assert "onload" not in out and out.count(PLACEHOLDER) == 1


def test_links_keep_text_lose_target():
    out = sanitise_html(f'<a href="{EVIL}/click?u=x">Read the article</a>')
    assert "Read the article" in out and "href" not in out


def test_safe_inline_style_survives_and_risky_declarations_do_not():
    out = sanitise_html('<p style="color: red; background: url(http://x.invalid/a); font-weight: bold">t</p>')
    assert "color: red" in out and "font-weight: bold" in out and "url" not in out


def test_plain_text_message_is_escaped():
    raw = b"From: a@b.example\r\nTo: c@d.example\r\nSubject: t\r\n\r\n<script>alert(1)</script> http://x.invalid/\r\n"
    preview = preview_document(parse_message(raw))
    assert preview.kind == "text"
    assert "<script>" not in preview.document and "&lt;script&gt;" in preview.document


def test_preview_policy_blocks_every_remote_load():
    directives = dict(d.strip().split(" ", 1) if " " in d.strip() else (d.strip(), "") for d in PREVIEW_CSP.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["img-src"] == "data:"
    assert "sandbox" in directives
    assert "http" not in PREVIEW_CSP


PIECES = [*"<>=\"' /:;()@\\&#xa", "url(", "http://e.invalid/", "<img src=", "<style>", "style=", "on", "load",
          "srcset", "background", "<a href=", "<svg>", "<image xlink:href=", "expression(", "\n", "p", "div", "&#40;"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60).map("".join))
# issue 16, problem 7: the tokenizer reads style=http://e.invalid/ as the img's style.
# Chromium loads nothing for it (tests/hardening/hostile_html/issue7-unquoted-style.html),
# but a style that is not CSS has no business in the preview: the allow-list now drops it.
@example("<img src=<\nstyle=http://e.invalid/>")
def test_no_remote_url_survives_any_input(html):
    out = sanitise_html(html).replace(PLACEHOLDER, "")
    attributes = re.findall(r'\s([a-zA-Z:-]+)="([^"]*)"', out)
    for name, value in attributes:
        assert not name.lower().startswith("on"), out
        assert name.lower() not in ("srcset", "background", "xlink:href", "href"), out
        assert "e.invalid" not in value and "url(" not in value.lower(), out
    assert not re.search(r"<(script|style|svg|image)\b", out, re.I), out
