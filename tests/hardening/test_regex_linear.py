"""Every regular expression in mailward is reviewed, and none backtracks badly.

``PATTERNS`` lists each module-level compiled pattern with where its input comes from
and why it is safe (docs/security.md prints the same table). A new pattern fails
``test_every_pattern_is_reviewed`` until it is added here. Then, without timing
anything (a timed assertion is flaky on a loaded machine):

- a pattern said to be RE2 must be a google-re2 object: linear time by construction;
- a stdlib ``re`` pattern that reads message content must have the shape whose
  backtracking stays bounded, read from its parse tree: no unbounded repetition
  inside another one (the exponential case) and the body of every unbounded
  repetition of fixed width, a character class or fixed text (so a run is consumed
  one way only), unless the repetition is possessive (it never backtracks).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import re._constants as sre_constants
import re._parser as sre_parser
from typing import Any

import pytest
import re2

import mailward

RE2 = "google-re2: linear time by construction"
CLASS = "one character class (or fixed text) per repetition, nothing nested: linear"
BOUNDED = "repetitions bounded and separated by fixed text; input is already bounded"
NOT_MESSAGE = "runs on rule files, configuration or imported indicators, not on message content"

# module.attribute -> (input, why it is safe)
PATTERNS: dict[str, tuple[str, str]] = {
    "mailward.headers._WORDS_ONLY": ("header values (fullmatch)", "possessive runs of classes that exclude their terminators, between fixed '=?', '?' and '?='; nothing gives characters back"),
    "mailward.headers._PLAIN_DATE": ("Date and Received dates (fullmatch)", "fixed text, alternations of literals and classes bounded to 40"),
    "mailward.headers._WORD": ("header values", "fixed '=?', '?', '?=' around possessive class runs"),
    "mailward.headers._PLAIN_ADDR": ("address header entries (fullmatch)", "possessive runs of one class each, separated by fixed '.' and '@'; nothing gives characters back"),
    "mailward.headers._PLAIN_NAME": ("address header display names (fullmatch)", "one possessive class run"),
    "mailward.headers._B_BODY": ("base64 texts of encoded words (fullmatch)", "fixed-width groups of one class, possessive, then a fixed-width tail"),
    "mailward.headers._IPV4": ("Received headers", "fixed-width digit groups; lookarounds are one character"),
    "mailward.headers._IPV6_BRACKET": ("Received headers", "one class bounded to 45 characters between brackets"),
    "mailward.headers._FROM_CLAUSE": ("Received headers", "anchored; one class bounded to 255"),
    "mailward.headers._BY_CLAUSE": ("Received headers", "fixed word then one class bounded to 255"),
    "mailward.parse._TEXT_URL": ("text bodies", "fixed scheme prefix then one class bounded to 4,096; a match consumes its run"),
    "mailward.parse._BAD_QP": ("quoted-printable bodies", "one character then a fixed-length lookahead"),
    "mailward.parse._WWW": ("text bodies", "fixed text, no repetition"),
    "mailward.mimeskeleton._EOL": ("message text", "an alternation of fixed line ends, no repetition"),
    "mailward.mimeskeleton._HEADER_LINE": ("header lines", "the standard library's own header test: anchored, one class run then a colon"),
    "mailward.mimeskeleton._TOKEN": ("the skeleton's placeholder lines", "fixed private-use delimiters around one digit run"),
    "mailward.mimeskeleton._TAIL": ("a line after a multipart boundary", "the standard library's boundary tail: optional fixed text, one class run, fixed line ends, anchored at the end"),
    "mailward.mimeskeleton._UNESCAPE": ("an escaped boundary (re.escape output)", "a backslash then one character: fixed width"),
    "mailward.mimefast._EOL": ("message text", "the standard library's line ends: an alternation of fixed line ends, no repetition"),
    "mailward.mimefast._HEADER_LINE": ("header lines", "the standard library's own header test: anchored, one class run then a colon"),
    "mailward.gateway.mimesplice._EOL": ("MIME entity bytes", "an alternation of fixed line ends, no repetition"),
    "mailward.gateway.mimesplice._CTE_FIELD": ("a part's header lines", "fixed field name, one class run, a colon; anchored"),
    "mailward.gateway.mimesplice._CTE_QP": ("a part's header lines", "fixed text with one class run on each side of the value, fixed line ends; whole line"),
    "mailward.remote._CSS_URL": ("CSS in HTML", RE2),
    "mailward.remote._CSS_IMPORT": ("CSS in HTML", RE2),
    "mailward.remote._FONT_FACE": ("CSS in HTML", RE2),
    "mailward.remote._IMAGE_SET": ("CSS in HTML", RE2),
    "mailward.remote._CSS_STRING": ("CSS in HTML", RE2),
    "mailward.remote._CSS_ESCAPE": ("CSS in HTML", "backslash then hex bounded to 6 or one character"),
    "mailward.remote._BRACKET": ("CSS kept by defuse", CLASS),
    "mailward.remote._SAFE_DATA_IMAGE": ("data: URLs of images", "fixed prefix then one class, anchored at the end"),
    "mailward.remote._WHITESPACE_AND_CONTROLS": ("URLs in HTML", CLASS),
    "mailward.urlbase._BASE_NOISE": ("Content-Base / Content-Location fields (64 KiB at most)", CLASS),
    "mailward.urlbase._SCHEME": ("relative URLs in HTML and inline HTML attachments", "anchored by match(), one class bounded to 30"),
    "mailward.urlbase._PLAIN_NAME": ("relative URLs in HTML", "fullmatch of negated classes in sequence, nothing nested"),
    "mailward.htmlprep._NON_VOID_TAG": ("HTML bodies", "fixed '<', a lookahead of tag-name literals, one class bounded to 20"),
    "mailward.htmlprep._LONG_START_TAG": ("HTML bodies", "fixed '<' and a letter, then a bounded count (257) of atomic units of possessive class runs; nothing gives characters back"),
    "mailward.htmlprep._CONTAINER": ("HTML bodies", "alternation of tag-name literals"),
    "mailward.htmlprep._TAG_START": ("HTML bodies", "fixed '<' and one character"),
    "mailward.htmlprep._TAG_NAME": ("HTML start tags", CLASS),
    "mailward.htmlprep._ATTRIBUTE_GAP": ("HTML start tags", CLASS),
    "mailward.htmlprep._ATTRIBUTE": ("HTML start tags", "classes that exclude their terminators; the gap before a name is matched apart; an unclosed quote ends at the end"),
    "mailward.htmlprep._TEMPLATE_TAG": ("HTML bodies", "fixed '<template' then one class bounded to 8,192"),
    "mailward.htmlprep._START_TAG": ("HTML bodies", "fixed '<' and a letter, then possessive runs of classes that exclude their terminators; nothing gives characters back"),
    "mailward.htmlprep._UNITS": ("HTML start tags", "possessive runs of classes that exclude their terminators; nothing gives characters back"),
    "mailward.html_conditional._PX": ("width/height attributes", "anchored, digits bounded to 7"),
    "mailward.html._BRACE": ("CSS in HTML", CLASS),
    "mailward.html._SIMPLE_SELECTOR": ("CSS selectors", "anchored; two classes separated by a fixed character"),
    "mailward.html._CONDITIONAL_COMMENT": ("HTML bodies", "fixed text and two one-character classes"),
    "mailward.html._STYLE_TAG": ("HTML bodies", "fixed text and five one-character classes"),
    "mailward.html._BASE_TAG": ("HTML bodies", "fixed text and four one-character classes"),
    "mailward.domains._AUTHORITY_END": ("URLs", CLASS),
    "mailward.domains._AUTHORITY_START": ("URLs", "anchored (match), one class: linear"),
    "mailward.domains._SCHEME": ("URLs", "anchored (match), one class bounded to 31"),
    "mailward.learn.features._PATH_WORD": ("URL paths", CLASS),
    "mailward.learn.features._URL": ("message text", "fixed prefix then one possessive class run"),
    "mailward.notify.notices._DOMAINISH": ("words of a notice (defanging)", "repetitions bounded: 10 labels of 63"),
    "mailward.notify.notices._URL": ("notice text", "fixed text only"),
    "mailward.share.feeds._FINGERPRINT": ("imported indicator patterns", NOT_MESSAGE),
    "mailward.hunt.copytokens._SUBJECT_PREFIX": ("stored subjects (reply prefixes)", RE2),
    "mailward.hunt.copytokens._PLAIN_HOST": ("hosts of stored link URLs (fullmatch)", CLASS),
    "mailward.identity.brands._L_FOR_I": ("display names (case-disguised brands)", CLASS),
    "mailward.identity.brands._I_FOR_L": ("display names (case-disguised brands)", CLASS),
    "mailward.identity.brands._SCOTTISH": ("display names", "fixed text"),
    "mailward.identity.brands._COPYRIGHT_HINT": ("the last 12,000 characters of an HTML part", "an alternation of fixed text and one bounded digit run each, no nesting"),
    "mailward.identity.brands._COPYRIGHT_FIRST": ("signature lines (200 characters at most)", BOUNDED),
    "mailward.identity.brands._COPYRIGHT_LAST": ("signature lines (200 characters at most)", BOUNDED),
    "mailward.facts.lures._PHONE": ("message text", RE2),
    "mailward.facts.lures._AMOUNT": ("message text", RE2),
    "mailward.facts.lures._ORDER_WORDS": ("message text", RE2),
    "mailward.facts.lures._WORD": ("message text (words)", CLASS),
    "mailward.facts.lures._DIGIT_FOR_LETTER": ("single words", CLASS),
    "mailward.facts.lures._CASE_FOR_LETTER": ("single words", "fixed-width alternatives, one bounded class repetition"),
    "mailward.facts.lures._SCOTTISH": ("single words", "fixed text"),
    "mailward.store.labels._SHA256": ("a SHA-256 an analyst typed (fullmatch)", "one class bounded to 64"),
    "mailward.tokens.opaque._OPAQUE_SHAPE": ("URL path and query parts", CLASS + "; bounded to 512"),
    "mailward.tokens.opaque._SLUG": ("URL path parts", RE2),
    "mailward.tokens.opaque._WORD_SPLIT": ("URL path parts", CLASS),
    "mailward.facts.recon._BULK_TEXT": ("last 4,000 characters of text", RE2),
    "mailward.facts.recon._GREETING": ("first 200 characters of text", RE2),
    "mailward.facts.recon._WORD": ("greeting lines, names", CLASS),
    "mailward.identity.organisations._ORG_WORD": ("no message in a scan: the reference the tests hold `_org_word_in`'s set look-ups to", "alternation of literals between word boundaries"),
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
    "mailward.facts.build._INVISIBLE": ("message text (20,000 characters)", "one character class"),
    "mailward.facts.build._MIXED_SCRIPT": ("message text (20,000 characters)", "two alternatives of two character classes each"),
    "mailward.facts.build._LETTER_RUN": ("message text (20,000 characters)", CLASS),
    "mailward.facts.build._SINGLE_LABELS": ("From domains", "one-character labels separated by fixed '.'; no nesting, a domain is at most 255 characters"),
    "mailward.facts.lures._TOPIC_PATTERNS": ("message text (20,000 characters)", RE2),
    "mailward.facts.lures._AD_FOOTER": ("message text (20,000 characters)", RE2),
    "mailward.identity.claims._TOKENS": ("local parts", CLASS),
    "mailward.identity.claims._QUOTE_MARKERS": ("last 6,000 characters of text", BOUNDED),
    "mailward.identity.claims._LINE_START": ("first 50,000 characters of text", "fixed newline, one class run, one class"),
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
    "mailward.attachments.office._WORD_TEXT": ("Word document XML", RE2),
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
    "mailward.remote._CSS_ACTIVE": ("CSS shown in the web preview", "alternation of literals"),
    "mailward.facts.message_cues._TEXT_DOMAIN": ("link text", RE2),
    "mailward.facts.message_cues._LOGIN": ("link text, subjects", "alternation of literals between word boundaries"),
    "mailward.facts.links._ACTION_TEXT": ("link text (300 characters)", "alternation of literals between word boundaries"),
    "mailward.facts.message_cues._CREDENTIAL": ("text bodies", RE2),
    "mailward.facts.message_cues._URGENCY": ("text bodies", RE2),
    "mailward.facts.message_cues._NEWSROOM": ("text bodies", RE2),
    "mailward.facts.message_cues._TAG": ("HTML link text", "'<' then one class excluding '<' and '>': each start stops at the next '<'"),
    "mailward.facts.message_cues._HIDDEN_INLINE": ("HTML bodies (80,000 characters)", RE2),
    "mailward.facts.message_cues._ADDRESS": ("body text (20,000 characters)", RE2),
    "mailward.facts.message_cues._CONTACT_VERB": ("the 80 characters before an address", RE2),
    "mailward.facts.message_cues._UNSUBSCRIBE": ("the 80 characters before an address", RE2),
    "mailward.facts.message_cues._INLINE_TAG": ("HTML bodies (80,000 characters)", "'<', a one-class lookahead and an alternation of tag-name literals, then one class excluding '<' and '>': each start stops at the next '<'"),
    "mailward.rules.lint._NAME": ("rule files", NOT_MESSAGE),
    "mailward.rules.lint._ATTACK": ("rule files", NOT_MESSAGE),
    "mailward.rules.lint._STRING": ("rule files", NOT_MESSAGE),
    "mailward.rules.lint._CHAIN": ("rule files", NOT_MESSAGE),
    "mailward.rules.lint._BIND": ("rule files", NOT_MESSAGE),
    "mailward.rules.lint._CEL_POS": ("CEL error messages", NOT_MESSAGE),
    "mailward.rules.native._TOKEN": ("rule files", NOT_MESSAGE),
    "mailward.rules.native._ESCAPE": ("rule files", NOT_MESSAGE),
    "mailward.rules.lint._PLACEHOLDER": ("rule files", NOT_MESSAGE),
    "mailward.share.indicator_values._HEX_RE": ("imported indicators", NOT_MESSAGE),
    "mailward.share.indicator_values._LABEL_RE": ("imported indicators", NOT_MESSAGE),
    "mailward.share.indicator_values._SCHEME_RE": ("imported indicators", NOT_MESSAGE),
    "mailward.share.indicator_values._CANONICAL_DOMAIN": ("imported indicators", NOT_MESSAGE + "; fullmatch only"),
    "mailward.share.indicator_values._CANONICAL_IPV4": ("imported indicators", NOT_MESSAGE),
    "mailward.share.indicator_values._CANONICAL_LOCAL": ("imported indicators", NOT_MESSAGE),
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
            if _compiled(value) or (isinstance(value, tuple) and value and all(_compiled(v) for v in value)):
                found[f"{info.name}.{attr}"] = value  # a pattern, or a tuple of them (reviewed as one)
    return found


def _compiled(value: object) -> bool:
    return isinstance(value, re.Pattern | re2._Regexp)


def _each(value: object) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else (value,)


ALL = _discover()

_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT}


def _children(op: Any, av: Any) -> list[Any]:
    if op in _REPEATS or op == sre_constants.POSSESSIVE_REPEAT:
        return [av[2]]
    if op == sre_constants.SUBPATTERN:
        return [av[3]]
    if op == sre_constants.BRANCH:
        return list(av[1])
    if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return [av[1]]
    if op == sre_constants.ATOMIC_GROUP:
        return [av]
    if op == sre_constants.GROUPREF_EXISTS:
        return [branch for branch in av[1:] if branch is not None]
    return []


def backtracking_problems(tree: Any, inside_unbounded: bool = False) -> list[str]:
    """What in a parsed stdlib pattern could make it backtrack more than linearly."""
    found: list[str] = []
    for op, av in tree:
        if op in _REPEATS and av[1] == sre_constants.MAXREPEAT:
            if inside_unbounded:
                found.append("an unbounded repetition inside another")
            low, high = av[2].getwidth()
            if low != high:
                found.append("an unbounded repetition of a variable-width body")
            found += backtracking_problems(av[2], True)
        elif op == sre_constants.POSSESSIVE_REPEAT or op == sre_constants.ATOMIC_GROUP:
            continue  # never gives back what it matched
        else:
            for child in _children(op, av):
                found += backtracking_problems(child, inside_unbounded)
    return found


def _source(pattern: object) -> Any:
    return pattern.pattern  # type: ignore[attr-defined]


def test_discovery_finds_the_patterns() -> None:
    assert len(ALL) >= 60, sorted(ALL)


def test_every_pattern_is_reviewed() -> None:
    missing = sorted(set(ALL) - set(PATTERNS))
    assert not missing, f"review these patterns and add them to PATTERNS (and docs/security.md): {missing}"


def test_patterns_said_to_be_re2_are_re2() -> None:
    for name, (_where, why) in PATTERNS.items():
        if name in ALL and why.startswith(RE2):
            assert all(isinstance(p, re2._Regexp) for p in _each(ALL[name])), name


def test_docs_table_lists_every_pattern() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text()
    missing = [name for name in PATTERNS if f"`{name.removeprefix('mailward.')}`" not in doc]
    assert not missing, missing


MESSAGE_FACING = sorted(n for n, (_w, why) in PATTERNS.items() if not why.startswith(NOT_MESSAGE))


@pytest.mark.parametrize("name", MESSAGE_FACING)
def test_message_pattern_is_re2_or_has_a_linear_shape(name: str) -> None:
    _where, why = PATTERNS[name]
    for pattern in _each(ALL[name]):
        if isinstance(pattern, re2._Regexp):
            continue  # linear time by construction
        assert why and not why.startswith(RE2), f"{name} is stdlib re: say why it is safe"
        problems = backtracking_problems(sre_parser.parse(_source(pattern), pattern.flags))  # type: ignore[attr-defined]
        assert not problems, f"{name}: {problems}; make it an RE2 pattern or give it a linear shape"


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("(a+)+$", "an unbounded repetition inside another"),
        (r"(?:\w+\s?)*x", "an unbounded repetition inside another"),
        ("(?:ab|a)*c", "an unbounded repetition of a variable-width body"),
    ],
)
def test_the_shape_check_catches_backtracking_patterns(source: str, problem: str) -> None:
    assert problem in backtracking_problems(sre_parser.parse(source))


@pytest.mark.parametrize("source", [r"[a-z]+@[a-z]+", r"(?:[a-z0-9]\.){4,}", r"[\w.-]++@[\w-]++(?:\.[\w-]++)*+", "a{0,40}b"])
def test_the_shape_check_passes_linear_patterns(source: str) -> None:
    assert backtracking_problems(sre_parser.parse(source)) == []


def test_rule_regexes_run_on_re2() -> None:
    """matches()/regex in CEL rules compile with re2: an exponential pattern for the
    stdlib engine is linear there (RE2 guarantees it; nothing is timed)."""
    from mailward.rules import engine

    compiled = engine._regex("(a+)+$")
    assert isinstance(compiled, re2._Regexp)
    assert not engine._rx("(a+)+$", "a" * 100_000 + "!")
    assert engine._rx("(a+)+$", "aaa")
