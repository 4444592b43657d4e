"""Chromium is the oracle: defused output and the web preview load nothing.

Every sample of tests/hardening/hostile_html/ (the bypasses of issue 16 and variants)
is rendered three times in Debian's headless chromium, with every remote reference
pointing at a logging server on 127.0.0.1:

- the original, as a control: the samples in ``NOT_LOADED_BY_CHROMIUM`` aside, it
  must load something (else the sample proves nothing), and every URL chromium
  fetched must be one of the scan's beacons;
- what the gateway delivers with its default actions for the scan's verdict (the
  defused message for ``tracking``/``suspicious``, the original for ``clean``,
  nothing when held): zero requests and zero connections, to any host;
- the web preview document (nh3): the same.

A sample of the structure-aware fuzzer's messages (tests/hardening/test_structured_fuzz.py
strategies, with their tracker hosts pointed at the logging server) goes through scan
and defuse and is rendered the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from mailward.gateway.settings import Action

from .browser_oracle import Oracle, corpus, oracle
from .oracle_cases import SCANNER, TABLE_HEAD, delivered, html_parts, run, table_row
from .test_structured_fuzz import BASES, MUTATIONS, m_html

pytestmark = pytest.mark.integration

CORPUS = corpus()
# Samples chromium does not load even undefused (checked with this very oracle); they
# stay because other clients may (Outlook: VML; older engines: @import in @media) and
# the scan and defuse must still handle them.
NOT_LOADED_BY_CHROMIUM = {
    "css-filter-url": "external SVG filter documents are not fetched",
    "css-import-in-media": "@import inside a block is invalid and ignored",
    "img-cid-with-srcset": "at 1x the src (cid:) candidate wins",
    "link-icon": "headless chromium fetches no icons",
    "link-preconnect": "no connection made in headless mode",
    "noscript-img": "scripting is on, so <noscript> is raw text",
    "svg-use": "cross-origin <use> is not fetched",
    "template-inert": "inert template content is never loaded",
    "vml-in-conditional": "only Outlook renders conditional comments",
    "issue7-unquoted-style": "style=http://... is no CSS load; src=< is a relative URL (page server only)",
    "relative-img-no-base": "relative to the page's own origin, not remote",
}
# issue 16's bypasses, with the beacon kind the scan must give each
ISSUE_BYPASSES = {
    "issue-shadow-root-img": {"remote", "pixel", "hidden"},
    "issue-smil-set-href": {"remote", "pixel", "hidden"},
    "issue-smil-animate-values": {"remote", "pixel", "hidden"},
    "issue-svg-style-split-url": {"css", "hidden"},
    "issue-svg-style-split-import": {"stylesheet"},
}


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "hardening"
ROWS: list[str] = []


@pytest.fixture(scope="module")
def browser() -> Iterator[Oracle]:
    with oracle() as found:
        yield found
    if ROWS:  # the before/after table of docs/security.md, from this run
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "oracle.md").write_text(TABLE_HEAD + "\n" + "\n".join(sorted(ROWS)) + "\n")


def test_corpus_has_the_issue_bypasses_and_enough_variants() -> None:
    assert set(ISSUE_BYPASSES) <= set(CORPUS)
    assert len(CORPUS) - len(ISSUE_BYPASSES) >= 20
    assert set(NOT_LOADED_BY_CHROMIUM) <= set(CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_defused_and_preview_load_nothing(browser: Oracle, name: str) -> None:
    case = run(browser, name, CORPUS[name])
    ROWS.append(table_row(case))
    assert case.defused_requests == [] and case.defused_connections == 0, case.defused_requests
    assert case.preview_requests == [] and case.preview_connections == 0, case.preview_requests
    if name in NOT_LOADED_BY_CHROMIUM:
        assert case.raw_beacon_paths == [], f"{name} loads now: take it off NOT_LOADED_BY_CHROMIUM"
        return
    assert case.raw_connections > 0 and case.raw_beacon_paths, f"{name} loads nothing undefused: not a test"
    # everything chromium fetched from the original is a beacon of the scan
    def same(url: str) -> str:  # as chromium sends it: whitespace and %20 aside, no fragment
        return "".join(unquote(url).split()).split("#")[0]

    reported = {same(url) for url in case.beacon_urls}
    for path in set(case.raw_beacon_paths):
        assert same(browser.origin + path) in reported, (path, sorted(reported))
    if name in ISSUE_BYPASSES:
        kinds = {b.kind for b in case.result.beacons}
        assert kinds and kinds <= ISSUE_BYPASSES[name], kinds
        assert case.result.verdict.value != "clean"
        assert case.action == "defuse"


_FUZZ_BASES = sorted(name for name in BASES if not name.startswith("sample_garbage"))


# no shrinking: each step is a browser render (minutes); the failing example is printed as drawn
@settings(max_examples=25, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(name=st.sampled_from(_FUZZ_BASES), data=st.data())
def test_fuzzed_messages_defused_load_nothing(browser: Oracle, name: str, data: st.DataObject) -> None:
    raw = m_html(BASES[name], data)  # hostile HTML in every HTML part
    for mutation in data.draw(st.lists(st.sampled_from(MUTATIONS), max_size=2), label="mutations"):
        raw = mutation(raw, data)
    target = f"127.0.0.1:{browser.origin.rsplit(':', 1)[1]}/s/fuzz".encode()
    raw = raw.replace(b"t.example", target)
    result = SCANNER.scan_bytes(raw, "fuzz")
    action, out = delivered(raw, result)
    for part in html_parts(out)[:3] if out else []:
        render = browser.render(part, settle=0.2)
        loads = render.remote_loads if action is Action.DELIVER else render.loads
        assert loads == [] and render.beacon_connections == 0, (action, loads, part[:2000])
