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
    "mailward.html._CSS_URL": ("CSS in HTML", RE2),
    "mailward.html._CSS_IMPORT": ("CSS in HTML", RE2),
    "mailward.html._FONT_FACE": ("CSS in HTML", RE2),
    "mailward.html._IMAGE_SET": ("CSS in HTML", RE2),
    "mailward.html._CSS_STRING": ("CSS in HTML", RE2),
    "mailward.html._COMMENT": ("CSS in HTML", RE2 + " (was quadratic on '/* /* /*' with the stdlib engine)"),
    "mailward.html._PX": ("width/height attributes", "anchored, digits bounded to 7"),
    "mailward.html._HAS_SCHEME": ("URLs in HTML", "anchored, one class bounded to 30"),
    "mailward.html._BRACE": ("CSS in HTML", CLASS),
    "mailward.html._SIMPLE_SELECTOR": ("CSS selectors", "anchored; two classes separated by a fixed character"),
    "mailward.html._CSS_ESCAPE": ("CSS in HTML", "backslash then hex bounded to 6 or one character"),
    "mailward.html._TAG": ("HTML bodies", "fixed '<' then one class bounded to 20"),
    "mailward.html._CONTAINER": ("HTML bodies", "alternation of tag-name literals"),
    "mailward.trackers._AUTHORITY_END": ("URLs", CLASS),
    "mailward.tokens.opaque._OPAQUE_SHAPE": ("URL path and query parts", CLASS + "; bounded to 512"),
    "mailward.tokens.opaque._SLUG": ("URL path parts", RE2),
    "mailward.tokens.opaque._WORD_SPLIT": ("URL path parts", CLASS),
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
    "mailward.gateway.defuse._CSS_URL": ("CSS in defused HTML", RE2 + " (was quadratic on 'url(url(...')"),
    "mailward.gateway.defuse._CSS_IMPORT": ("CSS in defused HTML", RE2 + " (was quadratic on '@import@import...')"),
    "mailward.gateway.defuse._CSS_REMOTE_LEFT": ("CSS in defused HTML", "fixed 'url(' then whitespace and a fixed lookahead"),
    "mailward.gateway.defuse._CSS_DANGEROUS": ("CSS in defused HTML", "alternation of literals"),
    "mailward.gateway.defuse._PX": ("width/height attributes", "anchored, digits bounded to 6"),
    "mailward.gateway.defuse._HIDDEN_STYLE": ("style attributes", "alternation of literals with single whitespace runs"),
    "mailward.gateway.settings._REPLY": ("configuration", NOT_MESSAGE),
    "mailward.web.preview._BAD_CSS": ("CSS shown in the web preview", "alternation of literals"),
    "mailward.web.preview._SAFE_DATA_IMAGE": ("data: URLs in the preview", "fixed prefix then one class, anchored at the end"),
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
