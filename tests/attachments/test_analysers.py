"""Each attachment analyser finds what its format carries, stays quiet on harmless
files, stays within its limits and turns malformed input into defects."""

from __future__ import annotations

import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailward.attachments import AttachmentLimits, analyse_attachment, attachment_format
from mailward.attachments.calendar import content_lines, unfold
from mailward.model import AttachmentReport
from mailward.sniff import sniff

from . import files as F


def analyse(name: str, data: bytes, declared: str = "", limits: AttachmentLimits | None = None) -> AttachmentReport:
    report = analyse_attachment(data, part="2", filename=name, declared_type=declared, sniffed_type=sniff(data),
                                limits=limits or AttachmentLimits())
    assert report is not None
    return report


def kinds(report: AttachmentReport) -> set[str]:
    return set(report.signal_kinds)


# -- HTML pages ------------------------------------------------------------------


def test_html_page_form_posting_elsewhere_and_script_redirect() -> None:
    page = (b'<html><body><form action="https://collect.example.net/p" method="post"><input type="password"></form>'
            b'<script>window.location.href = "https://next.example.net/a";</script>'
            b'<img src="https://px.example.net/o.gif" width="1" height="1"></body></html>')
    report = analyse("page.html", page)
    assert {"HTML_FORM_EXTERNAL", "HTML_PASSWORD_FORM", "HTML_SCRIPT_REDIRECT"} <= kinds(report)
    assert [r.url for r in report.resources] == ["https://px.example.net/o.gif"]
    assert all(r.part == "2" for r in report.resources)


def test_html_encoded_blobs() -> None:
    assert "HTML_ENCODED_BLOB" in kinds(analyse("a.html", b'<script>document.write(atob("PGgxPg=="))</script>'))
    blob = b"A" * 3000
    assert "HTML_ENCODED_BLOB" in kinds(analyse("a.html", b"<html><body><p>x</p><div>" + blob + b"</div></body></html>"))
    smuggled = b'<a href="data:text/html;base64,' + b"PGgxPkhlbGxvPC9oMT4" * 20 + b'">open</a>'
    assert "HTML_ENCODED_BLOB" in kinds(analyse("a.html", smuggled))


def test_html_inline_logo_is_no_blob() -> None:
    logo = b'<html><body><img src="data:image/png;base64,' + b"iVBORw0KGgo" * 400 + b'"></body></html>'
    assert "HTML_ENCODED_BLOB" not in kinds(analyse("a.html", logo))


def test_plain_page_has_no_signals() -> None:
    report = analyse("programme.html", b"<html><body><h1>Programme</h1><p>Opening session.</p></body></html>")
    assert report.signals == () and report.resources == ()


# -- SVG ----------------------------------------------------------------------------


def test_svg_script_foreign_object_links_and_loads() -> None:
    report = analyse("a.svg", F.svg('<script>alert(1)</script><foreignObject><div>x</div></foreignObject>'
                                    '<a xlink:href="https://l.example.net/"><text>x</text></a><image href="https://i.example.net/i.png"/>'))
    assert {"SVG_SCRIPT", "SVG_FOREIGN_OBJECT", "SVG_LINK"} <= kinds(report)
    assert "https://i.example.net/i.png" in [r.url for r in report.resources]
    assert "https://l.example.net/" in [link.url for link in report.links]


def test_plain_svg_is_quiet() -> None:
    assert analyse("logo.svg", F.svg('<circle cx="5" cy="5" r="4"/>')).signals == ()


# -- calendar -----------------------------------------------------------------------


def test_calendar_unfolds_and_reads_url_attach_image_and_html_description() -> None:
    url = "https://www.reuters.com/world/invite/" + "x" * 80 + "?u=alice%40parliament.example"
    invite = F.calendar(
        f"URL:{url}",
        "ATTACH;FMTTYPE=application/pdf:https://files.example.net/agenda.pdf",
        "IMAGE;VALUE=URI:https://img.example.net/banner.png",
        'X-ALT-DESC;FMTTYPE=text/html:<html><body><img src="https://px.example.net/o.gif" width=1 height=1></body></html>',
        organizer="mailto:Desk@News.Example.org",
    )
    assert b"\r\n " in invite  # the generator folded long lines as RFC 5545 says
    report = analyse("invite.ics", invite)
    assert url in [link.url for link in report.links]
    loads = {(r.kind, r.url) for r in report.resources}
    assert ("calendar-attach", "https://files.example.net/agenda.pdf") in loads
    assert ("calendar-image", "https://img.example.net/banner.png") in loads
    assert ("img", "https://px.example.net/o.gif") in loads
    assert report.organizer == "desk@news.example.org"


def test_unfold_and_content_lines() -> None:
    assert unfold("A:b\r\n c\r\n\td\nE:f") == "A:bcd\nE:f"
    assert content_lines('X-ALT-DESC;FMTTYPE="text/html":<a href="x:y">') == [
        ("X-ALT-DESC", {"FMTTYPE": "text/html"}, '<a href="x:y">')]


def test_inline_calendar_attachment_is_not_a_remote_load() -> None:
    report = analyse("invite.ics", F.calendar("ATTACH;ENCODING=BASE64;VALUE=BINARY:QUJD"))
    assert report.resources == () and "CALENDAR_INLINE_ATTACHMENT" in kinds(report)


# -- Office ---------------------------------------------------------------------------


def test_docx_remote_template_in_settings_rels() -> None:
    report = analyse("q.docx", F.docx(template="https://tpl.example.net/t.dotm"))
    assert "OOXML_EXTERNAL_TEMPLATE" in kinds(report)
    assert [(r.kind, r.url) for r in report.resources] == [("office-template", "https://tpl.example.net/t.dotm")]


def test_docx_linked_image_macro_dde_and_hyperlink() -> None:
    report = analyse("q.docx", F.docx(image="https://img.example.net/a.png", hyperlink="https://example.org/",
                                      macro=True, dde=True))
    assert {"OOXML_EXTERNAL_IMAGE", "VBA_MACRO", "OFFICE_DDE"} <= kinds(report)
    assert [link.url for link in report.links] == ["https://example.org/"]


def test_plain_docx_is_quiet() -> None:
    report = analyse("q.docx", F.docx())
    assert report.format == "ooxml" and report.signals == () and report.resources == ()


def test_unc_template_is_forced_authentication() -> None:
    report = analyse("q.docx", F.docx(template="\\\\198.51.100.7\\share\\t.dotm"))
    assert {"OOXML_EXTERNAL_TEMPLATE", "OFFICE_UNC_PATH"} <= kinds(report)


def test_odt_remote_image_and_rtf_template() -> None:
    assert "ODF_EXTERNAL_IMAGE" in kinds(analyse("a.odt", F.odt(image="https://img.example.net/b.png")))
    report = analyse("a.rtf", F.rtf_template("http://tpl.example.net/t.dot"))
    assert "RTF_REMOTE_TEMPLATE" in kinds(report)


def test_ole_file_that_is_not_one_is_a_defect() -> None:
    report = analyse("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert report.format == "ole"
    assert [d.kind for d in report.defects] == ["ATTACHMENT_UNPARSABLE"]


# -- PDF --------------------------------------------------------------------------------


def test_pdf_link_is_a_link_not_a_load() -> None:
    report = analyse("a.pdf", F.pdf_link("https://login.example.net/x"))
    assert [link.url for link in report.links] == ["https://login.example.net/x"]
    assert report.resources == () and report.signals == ()


def test_pdf_open_action_uri_is_a_remote_load() -> None:
    report = analyse("a.pdf", F.pdf_open_uri("https://px.example.net/o?u=1"))
    assert {"PDF_OPEN_URI", "PDF_OPEN_ACTION"} <= kinds(report)
    assert [(r.kind, r.url) for r in report.resources] == [("pdf-open-action", "https://px.example.net/o?u=1")]


def test_pdf_javascript_launch_and_form() -> None:
    assert "PDF_OPEN_JAVASCRIPT" in kinds(analyse("a.pdf", F.pdf_javascript()))
    assert "PDF_LAUNCH" in kinds(analyse("a.pdf", F.pdf_launch()))
    assert {"PDF_FORM", "PDF_SUBMIT_FORM"} <= kinds(analyse("a.pdf", F.pdf_form()))


def test_damaged_pdfs_give_defects_or_what_was_readable() -> None:
    good = F.pdf_link("https://example.net/x")
    assert [d.kind for d in analyse("a.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50).defects] == ["ATTACHMENT_UNPARSABLE"]
    truncated = analyse("a.pdf", good[: len(good) // 2])  # qpdf recovers what it can
    assert truncated.format == "pdf"


def test_pdf_text_is_read_as_a_viewer_shows_it() -> None:
    from mailward.attachments.pdf import TEXT_CHARS

    report = analyse("a.pdf", F.pdf_text("Your   account has been limited.  Confirm your identity (today).", "https://x.example.net/a"))
    assert report.text == "Your account has been limited. Confirm your identity (today)."
    assert [link.url for link in report.links] == ["https://x.example.net/a"]
    assert len(analyse("a.pdf", F.pdf_text("word " * 2000)).text) == TEXT_CHARS
    assert analyse("a.pdf", F.pdf_link("https://example.net/x")).text == ""  # no text on the page
    assert analyse("a.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50).text == ""


def test_pdf_text_is_not_read_from_pages_drawn_by_too_much_content() -> None:
    """PDFium cannot be interrupted: a page of megabytes of text operators, however well
    it compresses, is not laid out; its links are still read."""
    import zlib

    from mailward.attachments.pdf import TEXT_CONTENT_BYTES

    content = b"BT /F1 11 Tf 72 720 Td " + b"(x) Tj " * (TEXT_CONTENT_BYTES // 7 + 10) + b" ET"
    squeezed = zlib.compress(content, 9).decode("latin-1")
    font = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    link = "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (https://x.example.net/a) >> >>"
    resources = "/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /Annots [6 0 R]"
    for stream in (f"<< /Length {len(content)} >>\nstream\n{content.decode()}\nendstream",
                   f"<< /Length {len(squeezed.encode('latin-1'))} /Filter /FlateDecode >>\nstream\n{squeezed}\nendstream"):
        report = analyse("a.pdf", F.pdf(stream, font, link, page_extra=resources))
        assert report.text == ""
        assert [link.url for link in report.links] == ["https://x.example.net/a"]
    short = b"BT /F1 11 Tf 72 720 Td (Confirm your identity) Tj ET"
    fitting = zlib.compress(short).decode("latin-1")
    report = analyse("a.pdf", F.pdf(f"<< /Length {len(fitting.encode('latin-1'))} /Filter /FlateDecode >>\nstream\n{fitting}\nendstream",
                                    font, link, page_extra=resources))
    assert report.text == "Confirm your identity"


def test_word_document_text_is_read_as_a_reader_sees_it() -> None:
    from mailward.attachments.office import word_text

    report = analyse("a.docx", F.docx(text="Your Prime membership is on hold &amp; your payment was declined."))
    assert report.text == "Your Prime membership is on hold & your payment was declined."
    # runs split inside a word are joined; paragraphs are separated
    xml = ('<w:body><w:p><w:r><w:t>Up</w:t></w:r><w:r><w:t xml:space="preserve">date pay</w:t></w:r>'
           "<w:r><w:t>ment</w:t></w:r></w:p><w:p><w:r><w:t>Thank you</w:t></w:r></w:p></w:body>")
    assert word_text(xml) == "Update payment Thank you"
    assert len(word_text("<w:p><w:r><w:t>" + "word " * 2000 + "</w:t></w:r></w:p>")) == 3000


def test_pdf_object_limit() -> None:
    many = F.pdf(*[f"<< /S /URI /URI (https://e.example/{i}) >>" for i in range(50)])
    report = analyse("a.pdf", many, limits=AttachmentLimits(max_pdf_objects=10))
    assert "ATTACHMENT_LIMIT" in {d.kind for d in report.defects}
    assert len(report.links) < 50


# -- QR codes -----------------------------------------------------------------------------


def test_qr_code_in_image_and_in_pdf_becomes_a_link() -> None:
    for name, data in (("code.png", F.qr_png("https://qr.example.net/login")),
                       ("notice.pdf", F.pdf_with_qr("https://qr.example.net/login"))):
        report = analyse(name, data)
        assert [(link.url, link.source) for link in report.links] == [("https://qr.example.net/login", "qr")]
        assert "QR_URL" in kinds(report)


def test_huge_image_is_not_decoded() -> None:
    report = analyse("code.png", F.qr_png("https://qr.example.net/login", scale=40), limits=AttachmentLimits(max_qr_pixels=10_000))
    assert report.links == () and "ATTACHMENT_LIMIT" in {d.kind for d in report.defects}


# -- shortcuts, disk images, OneNote -------------------------------------------------------------


def test_url_webloc_lnk_onenote_and_disk_images() -> None:
    report = analyse("go.url", F.url_file("https://evil.example.net/x", icon="\\\\198.51.100.7\\s\\i.ico"))
    assert {"SHORTCUT_URL", "SHORTCUT_REMOTE_ICON"} <= kinds(report)
    assert "https://evil.example.net/x" in [link.url for link in analyse("go.webloc", F.webloc("https://evil.example.net/x")).links]
    assert {"LNK_FILE", "LNK_REMOTE_TARGET"} <= kinds(analyse("a.lnk", F.lnk("\\\\198.51.100.7\\share\\x.exe")))
    assert "ONENOTE_EMBEDDED_EXECUTABLE" in kinds(analyse("a.one", F.onenote(b"MZ\x90\x00")))
    assert "ONENOTE_EMBEDDED_FILE" not in kinds(analyse("a.one", F.onenote()))
    assert [s.detail for s in analyse("invoice.pdf", F.vhd()).signals] == ["vhd"]  # by magic, whatever the name


# -- archives -------------------------------------------------------------------------------


def test_nested_archive_and_carrier_members() -> None:
    nested = F.zip_of({"inner.zip": F.zip_of({"x.exe": b"MZ\x90\x00", "page.html": b"<img src='https://n.example.net/p.gif'>"})})
    report = analyse("files.zip", nested)
    assert {"ARCHIVE_NESTED", "ARCHIVE_DANGEROUS_MEMBER"} <= kinds(report)
    assert [r.url for r in report.resources] == ["https://n.example.net/p.gif"]


def test_nesting_limit() -> None:
    data = F.zip_of({"x.exe": b"MZ"})
    for level in range(6):
        data = F.zip_of({f"l{level}.zip": data})
    assert "ARCHIVE_TOO_DEEP" in kinds(analyse("deep.zip", data, limits=AttachmentLimits(max_nesting=3)))


def test_zip_bomb_member_is_not_decompressed() -> None:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.txt", b"\x00" * 5_000_000)
    report = analyse("bomb.zip", buf.getvalue())
    assert "ARCHIVE_BOMB" in kinds(report)


def test_encrypted_member() -> None:
    data = bytearray(F.zip_of({"secret.pdf": b"%PDF-1.7"}))
    data[6] |= 0x1
    central = data.find(b"PK\x01\x02")
    data[central + 8] |= 0x1
    assert "ARCHIVE_ENCRYPTED" in kinds(analyse("s.zip", bytes(data)))


# -- dispatch and robustness -------------------------------------------------------------------------


def test_types_that_call_for_nothing_are_not_opened() -> None:
    assert attachment_format(b"hello", "notes.txt", "text/plain", "") == ""
    assert analyse_attachment(b"hello", part="2", filename="notes.txt", declared_type="text/plain") is None


def test_oversized_file_is_not_opened() -> None:
    report = analyse("a.pdf", F.pdf_javascript(), limits=AttachmentLimits(max_bytes=100))
    assert report.signals == () and [d.kind for d in report.defects] == ["ATTACHMENT_LIMIT"]


_NAMES = ["a.html", "a.svg", "a.ics", "a.pdf", "a.docx", "a.odt", "a.doc", "a.rtf", "a.zip", "a.png", "a.url",
          "a.webloc", "a.lnk", "a.one", "a.iso"]
_SEEDS = [F.docx(template="https://t.example/x"), F.pdf_javascript(), F.calendar("URL:https://x.example/"),
          F.svg("<script>x</script>"), F.zip_of({"a.zip": F.zip_of({"b.html": b"<img src=//x.example/a>"})}),
          F.qr_png("https://x.example/"), F.onenote(b"MZ")]


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(_NAMES), seed=st.sampled_from(_SEEDS), cut=st.integers(0, 4000),
       noise=st.binary(max_size=64), at=st.integers(0, 4000))
def test_mangled_files_never_raise(name: str, seed: bytes, cut: int, noise: bytes, at: int) -> None:
    data = seed[: max(1, len(seed) - cut)]
    data = data[:at] + noise + data[at + len(noise):]
    report = analyse_attachment(data, part="1", filename=name, sniffed_type=sniff(data))
    assert report is None or isinstance(report, AttachmentReport)


@pytest.mark.parametrize("data", [b"", b"PK", b"%PDF-", b"{\\rtf", b"BEGIN:VCALENDAR", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"])
def test_tiny_inputs(data: bytes) -> None:
    for name in _NAMES:
        analyse_attachment(data, part="1", filename=name, sniffed_type=sniff(data))
