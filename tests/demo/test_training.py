"""The multilingual training set (``mailward demo training``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from mailward.demo import training_brands
from mailward.demo.mltexts_parts import BUTTONS, FOOTERS
from mailward.demo.training import (
    LANGUAGES,
    TEXTS_SCAM,
    TEXTS_WANTED,
    TrainingSetError,
    generate_training,
    scam_message,
    wanted_message,
)
from mailward.identity.brands import brand_data
from mailward.learn.features import features
from mailward.parse import parse_message
from mailward.pipeline import Analyser

MAILWARD = Path(sys.executable).parent / "mailward"
WHEN = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


def _digest(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_other_mail(tmp_path: Path) -> None:
    generate_training(tmp_path / "a", seed=5, messages=60)
    generate_training(tmp_path / "b", seed=5, messages=60)
    generate_training(tmp_path / "c", seed=6, messages=60)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_labels_cover_every_language_both_labels_and_every_kind(tmp_path: Path) -> None:
    counts = generate_training(tmp_path, seed=1, messages=600)
    labels = [json.loads(line) for line in (tmp_path / "labels.jsonl").read_text("utf-8").splitlines()]
    assert len(labels) == 600 == sum(counts.values())
    assert {(d["language"], d["label"]) for d in labels} == {(lang, label) for lang in LANGUAGES
                                                            for label in ("wanted", "phishing")}
    assert {d["kind"] for d in labels if d["label"] == "wanted"} == set(TEXTS_WANTED["en"])
    assert {d["kind"] for d in labels if d["label"] == "phishing"} == set(TEXTS_SCAM["en"])
    for d in labels:  # each file is where its label says, in the folder of its label
        assert d["path"].startswith(d["label"] + "/") and (tmp_path / d["path"]).is_file()
    shares = Counter(d["label"] for d in labels)
    assert 200 < shares["phishing"] < 400


def test_every_language_has_the_same_kinds_and_slots() -> None:
    assert set(BUTTONS) == set(FOOTERS) == set(LANGUAGES)
    for table in (TEXTS_WANTED, TEXTS_SCAM):
        assert set(table) == set(LANGUAGES)
        for lang in LANGUAGES:
            assert set(table[lang]) == set(table["en"]), lang
            for kind, (subjects, slots) in table[lang].items():
                assert subjects and len(slots) == len(table["en"][kind][1]), (lang, kind)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_messages_parse_and_say_what_their_language_says(lang: str) -> None:
    rng = random.Random(3)
    layouts = set()
    for kind in sorted(TEXTS_WANTED[lang]):
        for _ in range(4):
            message = parse_message(wanted_message(rng, lang, kind, when=WHEN, recipient="ana.101@example.net"))
            assert not message.defects, (lang, kind, message.defects)
            assert message.subject and "{" not in message.subject
            assert "{" not in message.text_parts[0].text  # every placeholder filled
    for kind in sorted(TEXTS_SCAM[lang]):
        for _ in range(4):
            raw = scam_message(rng, lang, kind, when=WHEN, recipient="ana.101@example.net")
            message = parse_message(raw)
            assert not message.defects, (lang, kind, message.defects)
            assert message.subject and "{" not in message.subject
            assert "{" not in message.text_parts[0].text
            layouts.add(b"text/html" in raw)
            if kind == "extortion":  # asks for bitcoin, links nowhere
                assert not message.links and "bitcoin" in message.text_parts[0].text.lower()
            elif kind == "advance":  # asks for a reply or a fee, links nowhere
                assert not message.links
            else:
                assert message.links and message.links[0].url.startswith("https://")
    assert layouts == {True, False}  # plain text alone, and text with HTML


def test_every_brand_is_in_the_brand_data_and_wanted_mail_comes_from_its_own_domain() -> None:
    names = {n.lower(): b for b in brand_data().brands for n in (b.name, *b.aliases, *b.short)}
    for table in (training_brands.SERVICE_BRANDS, training_brands.BANK_BRANDS, training_brands.CARRIER_BRANDS,
                  training_brands.TRAVEL_BRANDS):
        assert set(table) == set(LANGUAGES)
        for pairs in table.values():
            for name, domain in pairs:
                assert domain in names[name.lower()].domains, (name, domain)
    claimed = [n for v in training_brands.SCAM_BRANDS.values() for n in v]
    claimed += [n for per in training_brands.LOCAL_SCAM_BRANDS.values() for v in per.values() for n in v]
    assert [n for n in claimed if n.lower() not in names] == []


def test_scams_claim_brands_from_elsewhere_and_wanted_mail_stays_clean(tmp_path: Path) -> None:
    """Wanted mail is what a site wants: the rules leave it clean; the account and
    delivery lures claim a brand from a domain that is not the brand's."""
    generate_training(tmp_path, seed=2, messages=150)
    analyser = Analyser()
    for line in (tmp_path / "labels.jsonl").read_text("utf-8").splitlines():
        d = json.loads(line)
        message = parse_message((tmp_path / d["path"]).read_bytes())
        if d["label"] == "wanted":
            assert analyser.analyse(message).verdict.value == "clean", d
        elif d["kind"] in ("account", "delivery"):
            brand = analyser.facts(message, model=False)["brand"]
            assert brand.get("claimed") and brand.get("status") != "own-domain", (d, brand)


def test_recipient_words_never_become_features() -> None:
    raw = wanted_message(random.Random(4), "pt", "personal", when=WHEN, recipient="zuleika.555@example.net")
    assert "b:zuleika" not in features(parse_message(raw))


def test_bad_arguments_are_errors(tmp_path: Path) -> None:
    with pytest.raises(TrainingSetError, match="between"):
        generate_training(tmp_path / "x", messages=3)
    (tmp_path / "file").write_text("x")
    with pytest.raises(TrainingSetError, match="not a directory"):
        generate_training(tmp_path / "file", messages=30)
    generate_training(tmp_path / "set", messages=30)
    with pytest.raises(TrainingSetError, match="--force"):
        generate_training(tmp_path / "set", messages=30)
    (tmp_path / "set" / "notes.txt").write_text("mine")
    generate_training(tmp_path / "set", messages=40, force=True)
    assert len((tmp_path / "set" / "labels.jsonl").read_text("utf-8").splitlines()) == 40
    assert len(list((tmp_path / "set").glob("*/*.eml"))) == 40
    assert (tmp_path / "set" / "notes.txt").read_text() == "mine"  # not ours: kept


def test_the_console_script(tmp_path: Path) -> None:
    result = subprocess.run([str(MAILWARD), "demo", "training", str(tmp_path / "t"), "--messages", "50", "--seed", "9"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("50 messages under")
    again = subprocess.run([str(MAILWARD), "demo", "training", str(tmp_path / "t"), "--messages", "50"],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 1 and "--force" in again.stderr and "Traceback" not in again.stderr
