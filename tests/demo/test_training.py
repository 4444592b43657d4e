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

from mailward.demo.mltexts_scam import SCAM
from mailward.demo.mltexts_wanted import WANTED
from mailward.demo.training import (
    LANGUAGES,
    TrainingSetError,
    generate_training,
    scam_message,
    wanted_message,
)
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
    assert {d["kind"] for d in labels if d["label"] == "wanted"} == set(WANTED["en"])
    assert {d["kind"] for d in labels if d["label"] == "phishing"} == set(SCAM["en"])
    for d in labels:  # each file is where its label says, in the folder of its label
        assert d["path"].startswith(d["label"] + "/") and (tmp_path / d["path"]).is_file()
    shares = Counter(d["label"] for d in labels)
    assert 200 < shares["phishing"] < 400


def test_every_language_has_the_same_kinds_and_slots() -> None:
    for table in (WANTED, SCAM):
        assert set(table) == set(LANGUAGES)
        for lang in LANGUAGES:
            assert set(table[lang]) == set(table["en"]), lang
            for kind, (subjects, slots) in table[lang].items():
                assert subjects and len(slots) == len(table["en"][kind][1]), (lang, kind)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_messages_parse_and_say_what_their_language_says(lang: str) -> None:
    rng = random.Random(3)
    for kind in sorted(WANTED[lang]):
        message = parse_message(wanted_message(rng, lang, kind, when=WHEN, recipient="ana.101@example.net"))
        assert not message.defects, (lang, kind, message.defects)
        assert message.subject and "{" not in message.subject
        assert "{" not in message.text_parts[0].text  # every placeholder filled
    for kind in sorted(SCAM[lang]):
        message = parse_message(scam_message(rng, lang, kind, when=WHEN, recipient="ana.101@example.net"))
        assert not message.defects, (lang, kind, message.defects)
        assert "{" not in message.text_parts[0].text
        if kind == "extortion":  # asks for bitcoin, links nowhere
            assert not message.links and "bitcoin" in message.text_parts[0].text.lower()
        else:
            assert message.links and message.links[0].url.startswith("https://")


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
