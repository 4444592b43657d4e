"""The learned content model: content-only features, training, the model file, the CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mailward.facts.build import content_text
from mailward.learn.features import FEATURE_VERSION, FeatureVector, feature_hash, features
from mailward.learn.model import (
    DEFAULT_THRESHOLD,
    ContentModel,
    ModelError,
    _matrix,
    ham_threshold,
    train,
)
from mailward.parse import parse_message

MAILWARD = shutil.which("mailward") or str(Path(sys.executable).parent / "mailward")

PHISH = [
    ("Your mailbox is almost full", "Verify your account now to avoid suspension. Click here to log in and "
     "confirm your password within 24 hours.", "https://mail-verify.example.net/login"),
    ("Action required: password expiry", "Your password expires today. Sign in to keep your account active "
     "and verify your identity.", "https://secure-update.example.com/signin"),
    ("Unusual sign-in activity", "We detected unusual activity. Confirm your account details and password "
     "immediately or access will be suspended.", "https://account-check.example.org/verify"),
    ("Invoice payment failed", "Your payment could not be processed. Update your billing details and log in "
     "to verify your card now.", "https://billing-login.example.info/account"),
]
HAM = [
    ("Committee minutes, Tuesday", "Please find the minutes of Tuesday's committee meeting. The next session "
     "is on the budget amendments.", "https://parliament.example/committees/minutes"),
    ("Re: constituency surgery", "Thank you for your letter about the bus route. The councillor will attend "
     "the surgery on Friday.", "https://council.example/transport"),
    ("Weekly newsletter: local news", "This week: the library reopens, the football club wins the cup, and "
     "a new bakery opens on the high street.", "https://news.example/weekly"),
    ("Lunch on Thursday?", "Are you free for lunch on Thursday? The new place near the station has good "
     "reviews.", "https://maps.example/place"),
]


def _raw(subject: str, body: str, url: str, to: str = "phishing@pot") -> bytes:
    return (
        f"From: Sender <sender@example.org>\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Date: Tue, 01 Dec 2026 10:00:00 +0000\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        f"<html><head><style>.x{{color:red}}</style></head><body><p>Dear phishing,</p><p>{body}</p>"
        f"<a href=\"{url}\">{url}</a><p>Write to phishing@pot.</p></body></html>\r\n"
    ).encode()


def _features(items: list[tuple[str, str, str]]) -> list[FeatureVector]:
    return [features(parse_message(_raw(*item))) for item in items]


def test_features_leave_out_recipients_addresses_and_dates() -> None:
    names = features(parse_message(_raw(*PHISH[0]))).names()
    assert "b:verify" in names and "s:mailbox" in names and "s2:mailbox_is" in names
    assert "l:p:login" in names
    # the recipient's local part ("phishing"), every address and host name are never features
    assert not [n for n in names if "phishing" in n or "pot" == n.split(":")[-1] or "@" in n]
    assert not [n for n in names if "example" in n or "verify." in n or n.endswith(":net")]
    assert not [n for n in names if "2026" in n or "dec" == n.split(":")[-1]]
    assert not [n for n in names if "color" in n]  # <style> text is not visible text


def test_feature_hashes_name_back_and_match_strings() -> None:
    vector = features(parse_message(_raw(*PHISH[1])))
    names = vector.names()
    assert len(names) == len(vector) and isinstance(vector, FeatureVector)
    singles = [(i, n) for i, n in enumerate(names) if not n.startswith(("s2:", "b2:"))]
    assert singles and all(int(vector.hashes[i]) == feature_hash(n) for i, n in singles)
    pairs = [i for i, n in enumerate(names) if n.startswith("b2:")]
    assert pairs and len({int(vector.hashes[i]) for i in pairs}) == len({names[i] for i in pairs})
    # the text a scan already extracted gives the same features as extracting it again
    message = parse_message(_raw(*PHISH[1]))
    assert features(message, content_text(message)).names() == names


def test_train_separates_and_round_trips(tmp_path: Path) -> None:
    model = train(_features(PHISH), _features(HAM), bits=14)
    path = tmp_path / "m.npz"
    model.save(path)
    loaded = ContentModel.load(path)
    assert loaded.bits == 14 and np.array_equal(loaded.weights, model.weights)
    phish = parse_message(_raw("Verify your password", "Log in to verify your account password now.",
                               "https://x.example/login"))
    ham = parse_message(_raw("Committee lunch", "The committee meeting and lunch on Thursday.",
                             "https://parliament.example/committees"))
    high, low = loaded.score(phish, top=5), loaded.score(ham, top=5)
    assert high.probability > low.probability
    assert ("b:password", max(w for n, w in high.top if n == "b:password")) in high.top
    assert dict(high.top)["b:password"] > 0  # a phishing word pushed the score up
    assert all(isinstance(name, str) for name, _ in high.top)


def test_model_file_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="not a mailward model file"):
        ContentModel.load(bad)
    with pytest.raises(ModelError, match="no such model file"):
        ContentModel.load(tmp_path / "missing.npz")
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, weights=np.array([object()], dtype=object), meta=np.array("{}"))
    with pytest.raises(ModelError):
        ContentModel.load(pickled)  # object arrays need pickle, which loading refuses
    wrong = tmp_path / "wrong.npz"
    model = train(_features(PHISH), _features(HAM), bits=12)
    model.meta["feature_version"] = 0
    model.save(wrong)
    data = dict(np.load(wrong, allow_pickle=False))
    data["meta"] = np.array(str(data["meta"]).replace(f'"feature_version": {FEATURE_VERSION}', '"feature_version": 0'))
    np.savez(wrong, **data)
    with pytest.raises(ModelError, match="train it again"):
        ContentModel.load(wrong)


def test_threshold_is_chosen_on_training_ham_only() -> None:
    few = train(_features(PHISH), _features(HAM), bits=12, threshold=None)
    assert few.threshold == DEFAULT_THRESHOLD and "default" in few.meta["threshold_from"]
    pos, neg = _features(PHISH * 4), _features(HAM * 4)
    x = _matrix(pos + neg, 12)
    y = np.concatenate([np.ones(len(pos)), np.zeros(len(neg))])
    strict = ham_threshold(x, y, 1.0, ham_rate=0.0)
    loose = ham_threshold(x, y, 1.0, ham_rate=0.5)
    assert 0.5 <= loose <= strict <= 0.999
    # no ham message, scored by a model that did not see it, reaches the strict threshold
    for k in range(3):
        rows = np.flatnonzero(np.arange(len(y)) % 3 != k)
        fitted = train([pos[i] for i in rows if y[i]], [neg[i - len(pos)] for i in rows if not y[i]], bits=12)
        held = [neg[i - len(pos)] for i in np.flatnonzero(np.arange(len(y)) % 3 == k) if not y[i]]
        assert all(fitted.score_vector(v).probability < strict for v in held)


def test_training_needs_both_classes() -> None:
    with pytest.raises(ModelError, match="at least one"):
        train(_features(PHISH), [])


def _write(directory: Path, items: list[tuple[str, str, str]]) -> None:
    directory.mkdir()
    for n, item in enumerate(items):
        (directory / f"{n}.eml").write_bytes(_raw(*item))


def test_learn_command(tmp_path: Path) -> None:
    _write(tmp_path / "phish", PHISH)
    _write(tmp_path / "ham", HAM)
    model = tmp_path / "model.npz"
    cmd = [MAILWARD, "learn", "--model", str(model), "--bits", "14",
           "--phishing", str(tmp_path / "phish"), "--ham", str(tmp_path / "ham")]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "4 phishing and 4 ham messages" in done.stdout
    assert ContentModel.load(model).bits == 14
    assert model.stat().st_size < 20 * 1024 * 1024
    missing = subprocess.run([*cmd[:-1], str(tmp_path / "nope")], capture_output=True, text=True, check=False)
    assert missing.returncode == 2 and "no such file or directory" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_scan_and_explain_with_a_model(tmp_path: Path) -> None:
    _write(tmp_path / "phish", PHISH)
    _write(tmp_path / "ham", HAM)
    model = tmp_path / "model.npz"
    trained = train(_features(PHISH), _features(HAM), bits=14, threshold=0.6)
    trained.save(model)
    lure = tmp_path / "lure.eml"
    lure.write_bytes(_raw("Verify your password now", "Log in to verify your account password or it is suspended.",
                          "https://x.example/login", to="reader@example.org"))
    done = subprocess.run([MAILWARD, "scan", "--format", "json", "--model", str(model), str(lure)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "CONTENT_MODEL_PHISHING" in done.stdout
    plain = subprocess.run([MAILWARD, "scan", "--format", "json", str(lure)], capture_output=True, text=True,
                           check=False)
    assert "CONTENT_MODEL_PHISHING" not in plain.stdout  # no model, no model rule
    explained = subprocess.run([MAILWARD, "explain", "--model", str(model), str(lure)], capture_output=True,
                               text=True, check=False)
    assert explained.returncode == 0, explained.stderr
    assert "content model: phishing probability" in explained.stdout
    assert "b:password" in explained.stdout or "b:verify" in explained.stdout
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"junk")
    refused = subprocess.run([MAILWARD, "scan", "--model", str(bad), str(lure)], capture_output=True, text=True,
                             check=False)
    assert refused.returncode == 2 and "not a mailward model file" in refused.stderr
    assert "Traceback" not in refused.stderr
    config = tmp_path / "mailward.toml"
    config.write_text('[model]\npath = "model.npz"\n')
    configured = subprocess.run([MAILWARD, "scan", "--format", "json", "--config", str(config), str(lure)],
                                capture_output=True, text=True, check=False)
    assert "CONTENT_MODEL_PHISHING" in configured.stdout  # [model] path, relative to the config file
