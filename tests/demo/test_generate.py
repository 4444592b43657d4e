from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import json
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from mailward.config import load_config
from mailward.demo import DemoSummary, GenerateError, generate
from mailward.demo.generate import DEFAULT_MESSAGES, plan_counts
from mailward.demo.world import NEWSLETTER_SENDERS, THINK_TANKS


def _labels(root: Path) -> list[dict]:
    return [json.loads(line) for line in (root / "labels.jsonl").read_text("utf-8").splitlines()]


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def _body_text(msg: email.message.EmailMessage) -> str:
    out = []
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            out.append(part.get_content())
    return "\n".join(out)


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", seed=99, messages=150, mbox=True)
    b = generate(tmp_path / "b", seed=99, messages=150, mbox=True)
    tree_a, tree_b = _tree(a.out_dir), _tree(b.out_dir)
    assert len(tree_a) > 150
    assert tree_a == tree_b


def test_other_seed_gives_other_mail(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", seed=1, messages=100)
    b = generate(tmp_path / "b", seed=2, messages=100)
    assert _tree(a.out_dir) != _tree(b.out_dir)
    assert (a.out_dir / "mailward.toml").read_bytes() != (b.out_dir / "mailward.toml").read_bytes()


def test_default_size_and_layout(demo_set: DemoSummary, demo_dir: Path) -> None:
    assert demo_set.messages == DEFAULT_MESSAGES
    users = sorted(p.name for p in (demo_dir / "maildir").iterdir())
    assert len(users) == demo_set.mailboxes >= 30
    for user in users:
        for sub in ("cur", "new", "tmp"):
            assert (demo_dir / "maildir" / user / sub).is_dir()
    files = [p for p in (demo_dir / "maildir").glob("*/*/*")]
    assert len(files) == DEFAULT_MESSAGES
    for p in files:
        if p.parent.name == "cur":
            assert ":2," in p.name
        else:
            assert p.parent.name == "new" and ":" not in p.name
        assert f",S={p.stat().st_size}" in p.name  # Dovecot-style size field


def test_labels_cover_every_message(demo_dir: Path) -> None:
    labels = _labels(demo_dir)
    paths = {label["path"] for label in labels}
    files = {str(p.relative_to(demo_dir)) for p in (demo_dir / "maildir").glob("*/*/*")}
    assert paths == files
    assert len(labels) == len(paths)
    ids = [label["message_id"] for label in labels]
    assert len(set(ids)) == len(ids)
    for label in labels:
        raw = (demo_dir / label["path"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == label["sha256"] and len(raw) == label["size"]
        msg = _parse(raw)
        assert msg["Message-ID"] == label["message_id"]
        assert msg["Delivered-To"] == label["recipient"]
        assert label["verdict"] in label["acceptable"]
        assert (label["campaign"] is not None) == (label["kind"] in ("recon", "phishing"))


def test_every_file_parses_with_the_stdlib(demo_dir: Path) -> None:
    defects_by_kind: Counter[str] = Counter()
    for label in _labels(demo_dir):
        msg = _parse((demo_dir / label["path"]).read_bytes())
        for part in msg.walk():
            if not part.is_multipart():
                part.get_content()  # must not raise (it records decoding defects)
        found = [d for part in msg.walk() for d in part.defects]
        if found:
            defects_by_kind[label["kind"]] += 1
        if label["kind"] != "malformed":
            assert not found, (label["path"], found)
            assert msg["From"] and msg["Date"] and msg["Subject"]
            assert msg["Authentication-Results"].startswith("mx.parliament.example;")
    assert defects_by_kind["malformed"] >= 2  # bad base64 and broken boundary at least


def test_kinds_present_with_expected_verdicts(demo_dir: Path) -> None:
    labels = _labels(demo_dir)
    kinds = Counter(label["kind"] for label in labels)
    for kind in ("ham", "newsletter", "journalist", "phishing", "spam", "recon", "malformed"):
        assert kinds[kind] > 0, kind
    verdict = {label["kind"]: label["verdict"] for label in labels if label["kind"] != "journalist"}
    assert verdict["recon"] == "recon" and verdict["phishing"] == "phishing"
    assert verdict["newsletter"] == "tracking" and verdict["ham"] == "clean"
    with_attachments = 0
    for label in labels:
        if label["kind"] == "ham":
            msg = _parse((demo_dir / label["path"]).read_bytes())
            with_attachments += any(True for _ in msg.iter_attachments())
    assert with_attachments >= 5


def test_recon_campaigns_hit_several_members(demo_dir: Path) -> None:
    truth = json.loads((demo_dir / "campaigns.json").read_text("utf-8"))
    recon = [c for c in truth["campaigns"] if c["kind"] == "recon"]
    assert len(recon) >= 2
    labels = _labels(demo_dir)
    for campaign in recon:
        mailboxes = {x["mailbox"] for x in labels if x["campaign"] == campaign["id"]}
        assert mailboxes == {t["mailbox"] for t in campaign["targets"]}
        assert len(mailboxes) >= 4, campaign["id"]
        assert campaign["messages"] == sum(1 for x in labels if x["campaign"] == campaign["id"])
        # sent over days, not in one go
        assert campaign["first_seen"][:10] != campaign["last_seen"][:10]


def test_recon_beacons_carry_the_recipient(demo_dir: Path) -> None:
    seen_encodings: set[str] = set()
    for label in _labels(demo_dir):
        if label["kind"] != "recon":
            continue
        msg = _parse((demo_dir / label["path"]).read_bytes())
        html_part = next(p for p in msg.walk() if p.get_content_type() == "text/html")
        html = html_part.get_content()
        base = str(html_part.get("content-base") or "").strip('"')  # the BBC persona's relative beacon
        per_recipient = [b for b in label["beacons"] if b["per_recipient"]]
        assert per_recipient, label["path"]
        for beacon in label["beacons"]:
            url = beacon["url"]
            if base and url.startswith(base) and f'src="{url.removeprefix(base)}"' in html:
                continue
            assert url.replace("&", "&amp;") in html or url in html
        rcpt = label["recipient"]
        expected = {
            "base64": base64.b64encode(rcpt.encode()).decode(),
            "sha256-lower": hashlib.sha256(rcpt.lower().encode()).hexdigest(),
            "md5": hashlib.md5(rcpt.encode()).hexdigest(),
        }
        for beacon in per_recipient:
            encoding = beacon["per_recipient"]
            if encoding in expected:
                assert expected[encoding] in beacon["url"]
                seen_encodings.add(encoding)
        # hidden: the campaign's own beacons are tiny or hidden
        assert ('width="1"' in html or "width:1px" in html or "display:none" in html)
    assert {"base64", "md5"} <= seen_encodings or {"base64", "sha256-lower"} <= seen_encodings


def test_esp_wave_mismatches_claimed_outlet(demo_dir: Path) -> None:
    labels = [x for x in _labels(demo_dir) if x["campaign"] == "recon-esp-briefing"]
    assert len(labels) >= 6
    for label in labels:
        msg = _parse((demo_dir / label["path"]).read_bytes())
        from_domain = msg["From"].addresses[0].domain
        assert "economist" in msg["From"].addresses[0].display_name.lower()
        assert from_domain != "economist.com"
        assert f"header.d={from_domain}" in msg["Authentication-Results"]
        hosts = [b["url"].split("/")[2] for b in label["beacons"]]
        assert any(h.endswith(".ct.sendgrid.net") for h in hosts)
    # one template, different per-recipient open tokens
    opens = {b["url"] for x in labels for b in x["beacons"] if "/wf/open" in b["url"]}
    assert len(opens) == len(labels)


def test_newsletters_are_genuine_and_aligned(demo_dir: Path) -> None:
    official = {o.news_from.rpartition("@")[2] for o in NEWSLETTER_SENDERS}
    senders: set[str] = set()
    count = 0
    for label in _labels(demo_dir):
        if label["kind"] != "newsletter":
            continue
        count += 1
        msg = _parse((demo_dir / label["path"]).read_bytes())
        domain = msg["From"].addresses[0].domain
        assert domain in official
        senders.add(domain)
        ar = msg["Authentication-Results"]
        assert "dmarc=pass" in ar and f"header.from={domain}" in ar
        assert any(f"header.d={d}" in ar for d in (domain, f"e.{domain}", f"mg.{domain}"))
        assert msg["List-Unsubscribe"]
        assert msg.get_content_type() == "multipart/alternative"
        assert any(b["kind"] == "pixel" for b in label["beacons"])
    assert count >= 20
    assert "news.parliament.example" in senders  # the parliament's own bulletin, via an ESP
    assert senders & {o.news_from.rpartition("@")[2] for o in THINK_TANKS}


def test_config_is_a_usable_roster(demo_dir: Path) -> None:
    data = tomllib.loads((demo_dir / "mailward.toml").read_text("utf-8"))
    org = data["organisation"]
    assert org["domains"][0] == "parliament.example"
    people = org["people"]
    users = {p.name for p in (demo_dir / "maildir").iterdir()}
    addresses = {a.split("@")[0] for person in people for a in person["addresses"]}
    assert users <= addresses
    assert all(person["name"] and person["role"] and person["addresses"] for person in people)
    assert len({person["name"] for person in people}) == len(people)
    config = load_config(demo_dir / "mailward.toml")
    assert config.section("organisation")["name"] == "Example Parliament"
    assert config.section("auth")["trusted_authserv_ids"] == ["mx.parliament.example"]


@pytest.mark.parametrize("messages", [100, 250, 1200])
def test_counts_scale(tmp_path: Path, messages: int) -> None:
    summary = generate(tmp_path / "set", seed=5, messages=messages)
    assert summary.messages == messages
    assert len(_labels(summary.out_dir)) == messages
    assert sum(1 for _ in (summary.out_dir / "maildir").glob("*/*/*")) == messages
    counts = plan_counts(messages)
    assert sum(counts.values()) == messages
    by_campaign: dict[str, set[str]] = defaultdict(set)
    for label in _labels(summary.out_dir):
        if label["campaign"]:
            by_campaign[label["campaign"]].add(label["mailbox"])
    assert all(len(v) >= 2 for v in by_campaign.values())


def test_mbox_holds_every_message(tmp_path: Path) -> None:
    import mailbox

    summary = generate(tmp_path / "set", seed=3, messages=120, mbox=True)
    box = mailbox.mbox(summary.out_dir / "all.mbox", create=False)
    try:
        ids = {m["Message-ID"] for m in box}
    finally:
        box.close()
    assert ids == {label["message_id"] for label in _labels(summary.out_dir)}


def test_refuses_non_empty_directory_without_force(tmp_path: Path) -> None:
    out = tmp_path / "set"
    generate(out, seed=1, messages=100)
    (out / "keep.txt").write_text("mine")
    with pytest.raises(GenerateError, match="not empty"):
        generate(out, seed=2, messages=100)
    summary = generate(out, seed=2, messages=110, force=True)
    assert summary.messages == 110
    assert len(_labels(out)) == 110
    assert sum(1 for _ in (out / "maildir").glob("*/*/*")) == 110
    assert (out / "keep.txt").read_text() == "mine"


def test_rejects_silly_sizes(tmp_path: Path) -> None:
    with pytest.raises(GenerateError, match="--messages"):
        generate(tmp_path / "x", messages=5)


def test_every_file_parses_with_mailward(demo_dir: Path) -> None:
    from mailward.parse import parse_message

    malformed_defects: set[str] = set()
    for label in _labels(demo_dir):
        message = parse_message((demo_dir / label["path"]).read_bytes())
        if label["kind"] == "malformed":
            malformed_defects |= message.defect_kinds
            continue
        # the one defect a lure carries on purpose: its beacon's directory in the part header
        assert not [d for d in message.defects if d.kind != "HTML_HEADER_BASE"], (label["path"], message.defects)
        assert message.message_id == label["message_id"]
        assert message.recipients[0] == label["recipient"]
        assert {a.authserv_id for a in message.auth_results} == {"mx.parliament.example"}
        assert len(message.received) >= 2
        if label["kind"] in ("recon", "newsletter", "phishing"):
            urls = {r.url for r in message.resources} | {link.url for link in message.links}
            for beacon in label["beacons"]:
                assert beacon["url"] in urls, (label["path"], beacon["url"])
    assert {"BAD_BASE64", "CLOSE_BOUNDARY_NOT_FOUND", "FROM_MISSING"} <= malformed_defects


def test_outsiders_never_share_a_name_with_the_roster(demo_dir: Path) -> None:
    roster = {p["name"] for p in tomllib.loads(
        (demo_dir / "mailward.toml").read_text("utf-8"))["organisation"]["people"]}
    for label in _labels(demo_dir):
        if label["kind"] in ("journalist", "ham") and not label["from"].endswith("parliament.example"):
            msg = _parse((demo_dir / label["path"]).read_bytes())
            assert msg["From"].addresses[0].display_name not in roster


def test_memory_does_not_grow_with_the_number_of_messages(tmp_path: Path) -> None:
    import subprocess
    import sys

    probe = (
        "import sys, tracemalloc\n"
        "from pathlib import Path\n"
        "from mailward.demo import generate\n"
        "tracemalloc.start()\n"
        "generate(Path(sys.argv[1]), seed=8, messages=int(sys.argv[2]))\n"
        "print(tracemalloc.get_traced_memory()[1])\n"
    )

    def peak(messages: int) -> int:
        # a fresh interpreter each time, so that nothing else in the test session counts
        out = subprocess.run([sys.executable, "-c", probe, str(tmp_path / f"m{messages}"),
                              str(messages)], capture_output=True, text=True, check=True)
        return int(out.stdout)

    small, large = peak(200), peak(1200)
    written = sum(p.stat().st_size for p in (tmp_path / "m1200").rglob("*") if p.is_file())
    assert written > 6_000_000
    # six times the mail, yet the peak grows by far less than the mail written
    assert large - small < 1_500_000, (small, large)


def test_deliver_adds_one_new_message(tmp_path: Path) -> None:
    from mailward.demo import builders
    from mailward.demo.maildir import deliver

    raw = builders.recon_lure(seed=9)
    path = deliver(tmp_path / "box", raw)
    assert path.parent.name == "new" and path.read_bytes() == raw
    assert not any((tmp_path / "box" / "tmp").iterdir())
    assert deliver(tmp_path / "box", raw) != path


def test_opaque_campaign_tokens_are_stable_per_recipient(demo_dir: Path) -> None:
    by_recipient: dict[str, set[str]] = defaultdict(set)
    for label in _labels(demo_dir):
        if label["campaign"] == "recon-ft-freelancer":
            for beacon in label["beacons"]:
                assert beacon["per_recipient"] == "opaque"
                by_recipient[label["recipient"]].add(beacon["url"])
    assert len(by_recipient) >= 4
    assert all(len(urls) == 1 for urls in by_recipient.values())
    urls = [next(iter(u)) for u in by_recipient.values()]
    assert len(set(urls)) == len(urls)
    # one template; only the token differs
    assert {u.rsplit("/", 2)[0] for u in urls} == {"https://img.research-notes.net/v2"}
    assert all(u.endswith("/bg.png") for u in urls)
    for recipient, found in by_recipient.items():
        assert recipient not in next(iter(found))


def test_forwarded_lures_carry_the_original(demo_dir: Path) -> None:
    from mailward.parse import parse_message

    labels = _labels(demo_dir)
    by_id = {label["message_id"]: label for label in labels}
    forwards = [label for label in labels if label["kind"] == "forwarded"]
    assert len(forwards) >= 2
    roster = tomllib.loads((demo_dir / "mailward.toml").read_text("utf-8"))["organisation"]["people"]
    security = {p["addresses"][0] for p in roster if "Security" in p["role"]}
    for label in forwards:
        original = by_id[label["detail"]["forwarded_message_id"]]
        assert original["campaign"] == label["detail"]["forwarded_campaign"]
        assert label["recipient"] in security
        assert label["from"] == original["recipient"] or label["from"].split("@")[0] == original["mailbox"]
        message = parse_message((demo_dir / label["path"]).read_bytes())
        inner = [a.message for a in message.attachments if a.message is not None]
        assert len(inner) == 1 and inner[0].message_id == original["message_id"]
        inner_urls = {r.url for r in inner[0].resources} | {link.url for link in inner[0].links}
        assert {b["url"] for b in label["beacons"]} <= inner_urls
        assert label["beacons"]


def test_everything_happens_inside_the_window(tmp_path: Path) -> None:
    summary = generate(tmp_path / "set", seed=4, messages=2000)
    truth = json.loads((summary.out_dir / "campaigns.json").read_text("utf-8"))
    start, end = truth["window"]["start"], truth["window"]["end"]
    for label in _labels(summary.out_dir):
        assert start <= label["date"] <= end, label["path"]
    for campaign in truth["campaigns"]:
        assert start <= campaign["first_seen"] < campaign["last_seen"] <= end


def test_expected_verdicts_are_mailward_verdicts(demo_dir: Path) -> None:
    from mailward.result import Verdict

    known = {v.value for v in Verdict}
    for label in _labels(demo_dir):
        assert label["verdict"] in known
        assert set(label["acceptable"]) <= known


def test_credential_phishing_campaigns(demo_dir: Path) -> None:
    """The M365 MFA, Teams voicemail and quarantine-release lures are campaigns of their own;
    the quota notice and the supplier's SharePoint share join the campaigns with the same lure."""
    truth = {c["id"]: c for c in json.loads((demo_dir / "campaigns.json").read_text("utf-8"))["campaigns"]}
    labels = _labels(demo_dir)
    subjects: dict[str, set[str]] = {}
    for label in labels:
        if label["campaign"]:
            subjects.setdefault(label["campaign"], set()).add(label["subject"])
    expected = {"phish-m365-mfa": "multi-factor", "phish-teams-voicemail": "voicemail",
                "phish-quarantine-release": "quarantine", "phish-servicedesk": "quota",
                "phish-shared-document": "Supplier invoice"}
    for cid, word in expected.items():
        assert truth[cid]["kind"] == "phishing" and truth[cid]["messages"] >= 2, cid
        assert all(x["verdict"] == "phishing" for x in labels if x["campaign"] == cid), cid
        assert any(word in s for s in subjects[cid]), (cid, subjects[cid])
    assert sum(1 for c in truth.values() if c["kind"] == "phishing") == 5


def test_bbc_persona_asks_for_read_receipts_and_they_are_found(demo_dir: Path) -> None:
    """The bbc-worldservice.co lures ask for a read receipt to the persona's Proton mailbox."""
    from mailward.scan import Scanner

    scanner = Scanner(load_config(demo_dir / "mailward.toml"))
    asked = 0
    for label in _labels(demo_dir):
        raw = (demo_dir / label["path"]).read_bytes()
        if b"Disposition-Notification-To" not in raw:
            continue
        asked += 1
        assert label["campaign"] == "recon-bbc-correspondent" and b"@bbc-worldservice.co" in raw
        rules = {f.rule for f in scanner.scan_bytes(raw).findings}
        assert {"BEACON_READ_RECEIPT", "RECON_RECEIPT_IMPERSONATION"} <= rules, label["path"]
    assert asked >= 1
