"""Every regular expression in mailward is reviewed, and none backtracks badly.

``PATTERNS`` lists each module-level compiled pattern with where its input comes from
and why it is safe (docs/security.md prints the same table). A new pattern fails
``test_every_pattern_is_reviewed`` until it is added here. Each pattern is then run on
adversarial strings built from its own characters (long runs of each character, of
each character alternating with a space or a letter, and of the openings attackers use:
``url(``, ``/*``, ``<``, ``=?``...). A quadratic or exponential pattern takes seconds to
minutes on 5,000 characters; a linear one takes milliseconds.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import time

import pytest
import re2

import mailward

RE2 = "google-re2: linear time by construction"
CLASS = "one character class (or fixed text) per repetition, nothing nested: linear"
BOUNDED = "repetitions bounded and separated by fixed text; input is already bounded"
NOT_MESSAGE = "runs on rule files, configuration or imported indicators, not on message content"

# module.attribute -> (input, why it is safe)
PATTERNS: dict[str, tuple[str, str]] = {
    "mailward.headers._WS": ("header values", CLASS),
    "mailward.headers._IPV4": ("Received headers", "fixed-width digit groups; lookarounds are one character"),
    "mailward.headers._IPV6_BRACKET": ("Received headers", "one class bounded to 45 characters between brackets"),
    "mailward.headers._FROM_CLAUSE": ("Received headers", "anchored; one class bounded to 255"),
    "mailward.headers._BY_CLAUSE": ("Received headers", "fixed word then one class bounded to 255"),
    "mailward.parse._TEXT_URL": ("text bodies", "fixed scheme prefix then one class bounded to 4,096; a match consumes its run"),
    "mailward.parse._BAD_QP": ("quoted-printable bodies", "one character then a fixed-length lookahead"),
    "mailward.remote._CSS_URL": ("CSS in HTML", RE2),
    "mailward.remote._CSS_IMPORT": ("CSS in HTML", RE2),
    "mailward.remote._FONT_FACE": ("CSS in HTML", RE2),
    "mailward.remote._IMAGE_SET": ("CSS in HTML", RE2),
    "mailward.remote._CSS_STRING": ("CSS in HTML", RE2),
    "mailward.remote._CSS_ESCAPE": ("CSS in HTML", "backslash then hex bounded to 6 or one character"),
    "mailward.remote._BRACKET": ("CSS kept by defuse", CLASS),
    "mailward.remote._SAFE_DATA_IMAGE": ("data: URLs of images", "fixed prefix then one class, anchored at the end"),
    "mailward.remote._WHITESPACE_AND_CONTROLS": ("URLs in HTML", CLASS),
    "mailward.htmlprep._TAG": ("HTML bodies", "fixed '<' then one class bounded to 20"),
    "mailward.htmlprep._CONTAINER": ("HTML bodies", "alternation of tag-name literals"),
    "mailward.htmlprep._TAG_START": ("HTML bodies", "fixed '<' and one character"),
    "mailward.htmlprep._TAG_NAME": ("HTML start tags", CLASS),
    "mailward.htmlprep._ATTRIBUTE_GAP": ("HTML start tags", CLASS),
    "mailward.htmlprep._ATTRIBUTE": ("HTML start tags", "classes that exclude their terminators; the gap before a name is matched apart; an unclosed quote ends at the end"),
    "mailward.htmlprep._TEMPLATE_TAG": ("HTML bodies", "fixed '<template' then one class bounded to 8,192"),
    "mailward.htmlprep._START_TAG": ("HTML bodies", "fixed '<' and a letter, then possessive runs of classes that exclude their terminators; nothing gives characters back"),
    "mailward.htmlprep._UNITS": ("HTML start tags", "possessive runs of classes that exclude their terminators; nothing gives characters back"),
    "mailward.html._PX": ("width/height attributes", "anchored, digits bounded to 7"),
    "mailward.html._HAS_SCHEME": ("URLs in HTML", "anchored, one class bounded to 30"),
    "mailward.html._BRACE": ("CSS in HTML", CLASS),
    "mailward.html._SIMPLE_SELECTOR": ("CSS selectors", "anchored; two classes separated by a fixed character"),
    "mailward.domains._AUTHORITY_END": ("URLs", CLASS),
    "mailward.domains._AUTHORITY_START": ("URLs", "anchored (match), one class: linear"),
    "mailward.domains._SCHEME": ("URLs", "anchored (match), one class bounded to 31"),
    "mailward.learn.features._DIGITS": ("host labels", CLASS),
    "mailward.learn.features._EMAIL": ("message text", "starts only where the previous character cannot continue it (look-behind); possessive runs: linear"),
    "mailward.learn.features._ENTITY": ("HTML text", "fixed alternation of literals"),
    "mailward.learn.features._IPV4": ("host names", "anchored, digits bounded to 3"),
    "mailward.learn.features._OTHER_ENTITY": ("HTML text", "fixed '&' then one class bounded to 8"),
    "mailward.learn.features._PATH_WORD": ("URL paths", CLASS),
    "mailward.learn.features._TAG": ("HTML text", "a class that excludes '<' and '>': a failed match stops at the next '<'"),
    "mailward.learn.features._URL": ("message text", "fixed prefix then one possessive class run"),
    "mailward.learn.features._WORD": ("message text", "two classes, the second bounded to 24"),
    "mailward.notify.notices._DOMAINISH": ("words of a notice (defanging)", "repetitions bounded: 10 labels of 63"),
    "mailward.notify.notices._URL": ("notice text", "fixed text only"),
    "mailward.share.feeds._FINGERPRINT": ("imported indicator patterns", NOT_MESSAGE),
    "mailward.tokens.opaque._OPAQUE_SHAPE": ("URL path and query parts", CLASS + "; bounded to 512"),
    "mailward.tokens.opaque._SLUG": ("URL path parts", RE2),
    "mailward.tokens.opaque._WORD_SPLIT": ("URL path parts", CLASS),
    "mailward.rules.recon_facts._BULK_TEXT": ("last 4,000 characters of text", RE2),
    "mailward.rules.recon_facts._GREETING": ("first 200 characters of text", RE2),
    "mailward.rules.recon_facts._WORD": ("greeting lines, names", CLASS),
    "mailward.identity.organisations._ORG_WORD": ("display names, signature lines (folded)", "alternation of literals between word boundaries"),
    "mailward.identity.organisations._NON_WORD": ("display-name and signature segments", CLASS),
    "mailward.identity.organisations._BYLINE": ("first 20,000 characters of text", RE2),
    "mailward.identity.organisations._SEGMENTS": ("display names (300 characters), signature lines", "alternation of one class and fixed texts: linear"),
    "mailward.identity.analyse._ADDRESS": ("display names", "classes bounded to 64/63 separated by fixed '@' and '.'"),
    "mailward.identity.text._NON_WORD": ("names", CLASS),
    "mailward.identity.text._MARKS": ("names", CLASS),
    "mailward.identity.claims._SEPARATORS": ("display names, signatures", CLASS),
    "mailward.identity.claims._SUBJECT_SEPARATORS": ("subjects", CLASS),
    "mailward.identity.claims._ADDRESS": ("signatures", "classes bounded to 64/63 separated by fixed '@' and '.'"),
    "mailward.identity.brands._LOCAL_TOKENS": ("address local parts", CLASS),
    "mailward.identity.brands._PATH_SPLIT": ("URL paths (first 500 characters)", CLASS),
    "mailward.rules.facts._SINGLE_LABELS": ("From domains", "one-character labels separated by fixed '.'; no nesting, a domain is at most 255 characters"),
    "mailward.rules.lures._PATTERN": ("message text (20,000 characters)", RE2),
    "mailward.rules.lures._AD_FOOTER": ("message text (20,000 characters)", RE2),
    "mailward.identity.claims._TOKENS": ("local parts", CLASS),
    "mailward.identity.claims._QUOTE_MARKERS": ("last 6,000 characters of text", BOUNDED),
    "mailward.identity.claims._BLOCK_END": ("last 6,000 characters of HTML", BOUNDED),
    "mailward.identity.claims._SCRIPT": ("last 6,000 characters of HTML", BOUNDED),
    "mailward.identity.claims._TAG": ("last 6,000 characters of HTML", BOUNDED),
    "mailward.hunt.features._WORD": ("text bodies", CLASS),
    "mailward.hunt.features._URLISH": ("text bodies", RE2 + " (was quadratic on long runs without a URL)"),
    "mailward.hunt.features._MID_RUN": ("Message-IDs", CLASS),
    "mailward.hunt.features._DKIM_D": ("DKIM-Signature headers", "fixed 'd=' between whitespace runs, then one class"),
    "mailward.hunt.features._TAG": ("HTML bodies", RE2 + " (was 2,000 steps per '<' with the stdlib engine)"),
    "mailward.hunt.features._ENTITY": ("HTML bodies", "fixed '&' then one class bounded to 10"),
    "mailward.hunt.features._TOKENISH": ("URL path parts", "anchored; one lookahead and one class per branch"),
    "mailward.gateway.defuse._PX": ("width/height attributes", "anchored, digits bounded to 6"),
    "mailward.gateway.defuse._HIDDEN_STYLE": ("style attributes", "alternation of literals with single whitespace runs"),
    "mailward.attachments.htmlpage._SCRIPT_REDIRECT": ("attached HTML/SVG scripts", RE2),
    "mailward.attachments.htmlpage._SCRIPT_POST": ("attached HTML/SVG scripts", RE2),
    "mailward.attachments.htmlpage._DECODERS": ("attached HTML/SVG scripts", RE2),
    "mailward.attachments.htmlpage._DATA_URI": ("attached HTML/SVG pages", RE2),
    "mailward.attachments.htmlpage._BASE64_RUN": ("attached HTML/SVG pages", RE2),
    "mailward.attachments.htmlpage._URL_LITERAL": ("attached HTML/SVG scripts", RE2),
    "mailward.attachments.htmlpage._TELEGRAM": ("attached HTML/SVG scripts", RE2),
    "mailward.attachments.htmlpage._PASSWORD": ("attached HTML/SVG pages", RE2),
    "mailward.attachments.htmlpage._SCRIPT_BLOCK": ("attached HTML/SVG pages", RE2),
    "mailward.attachments.htmlpage._HANDLER": ("attached HTML/SVG pages", RE2),
    "mailward.attachments.calendar._TEXT_URL": ("calendar text values", "fixed scheme prefix then one class bounded to 4,096; a match consumes its run"),
    "mailward.attachments.calendar._FOLD": ("calendar invites", "fixed line break then one whitespace character"),
    "mailward.attachments.office._RELATIONSHIP": ("Office .rels parts", RE2),
    "mailward.attachments.office._ATTR": ("Office .rels parts", RE2),
    "mailward.attachments.office._DDE": ("Office field codes", RE2),
    "mailward.attachments.office._FIELD_REMOTE": ("Office field codes", RE2),
    "mailward.attachments.office._ODF_HREF": ("ODF content.xml", RE2),
    "mailward.attachments.office._DDE_LINK": ("spreadsheet external links", RE2),
    "mailward.attachments.office._INSTR": ("Word document XML", RE2),
    "mailward.attachments.office._RTF_TEMPLATE": ("RTF files", RE2),
    "mailward.attachments.office._RTF_FIELD": ("RTF files", RE2),
    "mailward.attachments.svg._XLINK_A": ("SVG attachments", RE2),
    "mailward.attachments.shortcuts._ASCII_URL": ("LNK and binary plist bytes", "fixed prefix then one class bounded to 2,000; a match consumes its run"),
    "mailward.attachments.shortcuts._UTF16_URL": ("LNK bytes", "fixed prefix then a fixed-width two-byte unit bounded to 2,000"),
    "mailward.attachments.shortcuts._WEBLOC_XML": (".webloc property lists", "fixed text with single whitespace runs, then one class bounded to 4,000"),
    "mailward.gateway.attachdefuse._CAL_DROP": ("calendar lines", "anchored alternation of literals"),
    "mailward.gateway.attachdefuse._FILENAME": ("MIME part headers", "literal word, whitespace runs around '=', then one class"),
    "mailward.gateway.attachdefuse._REL_ELEMENT": ("Office .rels parts", "'<' then an optional class-and-colon prefix, a literal, then one class excluding '>'"),
    "mailward.gateway.attachdefuse._TARGET": ("Office .rels elements", "literal, whitespace runs, then one quoted class"),
    "mailward.gateway.defuse._BARE_CR": ("defused messages", "one character then a fixed one-character lookahead"),
    "mailward.gateway.defuse._LINE_END": ("defused messages", "alternation of literals"),
    "mailward.gateway.settings._REPLY": ("configuration", NOT_MESSAGE),
    "mailward.web.preview._BAD_CSS": ("CSS shown in the web preview", "alternation of literals"),
    "mailward.rules.derive._TEXT_DOMAIN": ("link text", RE2),
    "mailward.rules.derive._LOGIN": ("link text, subjects", "alternation of literals between word boundaries"),
    "mailward.rules.derive._CREDENTIAL": ("text bodies", RE2),
    "mailward.rules.derive._URGENCY": ("text bodies", RE2),
    "mailward.rules.derive._NEWSROOM": ("text bodies", RE2),
    "mailward.rules.derive._TAG": ("HTML link text", "'<' then one class excluding '<' and '>': each start stops at the next '<'"),
    "mailward.rules.lint._NAME": ("rule files", NOT_MESSAGE),
    "mailward.rules.lint._ATTACK": ("rule files", NOT_MESSAGE),
    "mailward.rules.lint._STRING": ("rule files", NOT_MESSAGE),
    "mailward.rules.lint._CHAIN": ("rule files", NOT_MESSAGE),
    "mailward.rules.lint._BIND": ("rule files", NOT_MESSAGE),
    "mailward.rules.lint._CEL_POS": ("CEL error messages", NOT_MESSAGE),
    "mailward.rules.lint._PLACEHOLDER": ("rule files", NOT_MESSAGE),
    "mailward.share.kinds._HEX_RE": ("imported indicators", NOT_MESSAGE),
    "mailward.share.kinds._LABEL_RE": ("imported indicators", NOT_MESSAGE),
    "mailward.share.kinds._SCHEME_RE": ("imported indicators", NOT_MESSAGE),
    "mailward.share.kinds._CANONICAL_DOMAIN": ("imported indicators", NOT_MESSAGE + "; fullmatch only"),
    "mailward.share.kinds._CANONICAL_IPV4": ("imported indicators", NOT_MESSAGE),
    "mailward.share.kinds._CANONICAL_LOCAL": ("imported indicators", NOT_MESSAGE),
    "mailward.share.attack._ID_RE": ("ATT&CK ids in rule files", NOT_MESSAGE),
}


def _discover() -> dict[str, object]:
    found: dict[str, object] = {}
    for info in pkgutil.walk_packages(mailward.__path__, "mailward."):
        if info.name.startswith("mailward.demo") or info.name.endswith("__main__"):
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional dependency of one surface (none in the test env)
            continue
        for attr, value in vars(module).items():
            if isinstance(value, re.Pattern | re2._Regexp):
                found[f"{info.name}.{attr}"] = value
    return found


ALL = _discover()
N = 5_000
LIMIT = 0.5  # seconds per call; a quadratic pattern takes seconds at N, a linear one milliseconds


def _source(pattern: object) -> str:
    src = pattern.pattern  # type: ignore[attr-defined]
    return src.decode("latin-1") if isinstance(src, bytes) else str(src)


def _adversarial(pattern: object) -> list[str]:
    chars = sorted({c for c in _source(pattern) if c.isprintable()} | set(" a1<>=@./:;\"'(-_"))
    baits = ["url(", "url( '", "/* ", "/*", "@import", "@font-face{", "image-set(", "<a ", "<", "&#",
             "=?", "http://", "www.", "a-", "a.", "a@", "d=", "from ", "by ", "[IPv6:", "on x ", "\\75 "]
    out = [c * N for c in chars]
    out += [(c + " ") * (N // 2) for c in chars]
    out += [b * (N // len(b)) for b in baits]
    out += ["a" * N + "!", "\n".join(["x" * 99] * (N // 100))]
    return out


def test_discovery_finds_the_patterns() -> None:
    assert len(ALL) >= 60, sorted(ALL)


def test_every_pattern_is_reviewed() -> None:
    missing = sorted(set(ALL) - set(PATTERNS))
    assert not missing, f"review these patterns and add them to PATTERNS (and docs/security.md): {missing}"


def test_patterns_said_to_be_re2_are_re2() -> None:
    for name, (_where, why) in PATTERNS.items():
        if name in ALL and why.startswith(RE2):
            assert isinstance(ALL[name], re2._Regexp), name


def test_docs_table_lists_every_pattern() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text()
    missing = [name for name in PATTERNS if f"`{name.removeprefix('mailward.')}`" not in doc]
    assert not missing, missing


@pytest.mark.parametrize("name", sorted(n for n, (_w, why) in PATTERNS.items() if why != NOT_MESSAGE))
def test_pattern_is_fast_on_adversarial_input(name: str) -> None:
    pattern = ALL[name]
    binary = isinstance(pattern.pattern, bytes)  # type: ignore[attr-defined]
    worst, worst_input = 0.0, ""
    for text in _adversarial(pattern):
        subject = text.encode("latin-1", "replace") if binary else text
        start = time.perf_counter()
        pattern.search(subject)  # type: ignore[attr-defined]
        pattern.findall(subject)  # type: ignore[attr-defined]
        elapsed = time.perf_counter() - start
        if elapsed > worst:
            worst, worst_input = elapsed, text[:20]
    assert worst < LIMIT, f"{name} took {worst:.2f} s on {worst_input!r}... ({N} characters)"


def test_rule_regexes_run_on_re2() -> None:
    """matches()/regex in CEL rules compile with re2: an exponential pattern stays fast."""
    from mailward.rules import engine

    compiled = engine._regex("(a+)+$")
    assert isinstance(compiled, re2._Regexp)
    start = time.perf_counter()
    assert not engine._rx("(a+)+$", "a" * 100_000 + "!")
    assert time.perf_counter() - start < 1.0
