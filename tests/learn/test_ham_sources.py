"""The threshold chosen on training ham holds for each ham source, not only for all together."""

from __future__ import annotations

import numpy as np
import pytest

from mailward.learn.features import features
from mailward.learn.model import ModelError, _matrix, ham_threshold, sample_weights, train
from mailward.parse import parse_message


def _raw(subject: str, body: str) -> bytes:
    return (f"From: Sender <sender@example.org>\r\nTo: ana@parliament.example\r\nSubject: {subject}\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


PHISH = [("Verify your mailbox", "Your password expires today, verify your account now or it is closed."),
         ("Account suspended", "Confirm your password and account details to restore access today."),
         ("Payment failed", "Update your card and billing password now, or your account is suspended."),
         ("Unusual sign-in", "Verify your identity now: enter your password to keep your account.")]
EASY = [("Committee minutes", "The minutes of the committee meeting on Thursday are attached for review."),
        ("Lunch on Friday", "Shall we meet for lunch on Friday after the debate in the chamber?"),
        ("Constituency visit", "The school visit is confirmed for Monday morning with the head teacher."),
        ("Library hours", "The library opens late on Wednesday for the reading group and the archive.")]
# a small, hard source of wanted mail
HARD = PHISH[:2]  # the site's own IT notices can read exactly like the phishing that copies them


def _vectors(items: list[tuple[str, str]], copies: int) -> list:  # type: ignore[type-arg]
    return [features(parse_message(_raw(s, b))) for s, b in items] * copies


def test_each_ham_source_keeps_its_own_rate() -> None:
    pos = _vectors(PHISH, 5)
    easy, hard = _vectors(EASY, 50), _vectors(HARD, 1)  # 202 ham: enough to choose a threshold on
    neg = easy + hard
    x = _matrix(pos + neg, 12)
    y = np.concatenate([np.ones(len(pos)), np.zeros(len(neg))])
    groups = np.concatenate([np.full(len(pos), -1), np.zeros(len(easy)), np.ones(len(hard))])
    pooled = ham_threshold(x, y, 1.0, ham_rate=0.05)
    per_source = ham_threshold(x, y, 1.0, ham_rate=0.05, groups=groups)
    # pooled, 5% of 202 ham (10) may score above, so both hard ones can be above it;
    # per source, neither of the 2 hard ones (5% of 2 rounds down to 0) may
    assert per_source > pooled
    model = train(pos, neg, bits=12, threshold=None, ham_sources=[0] * len(easy) + [1] * len(hard))
    assert "each of 2 source(s)" in model.meta["threshold_from"]
    # two messages cannot hold 0.1%: the model says how far off it is and what would
    assert "the smallest ham source has 2 messages" in model.meta["threshold_from"]
    assert "about 1 in 3: 999 or more hold the rate" in model.meta["threshold_from"]
    assert 0.0 <= model.meta["training_recall"] <= 1.0  # chosen on the ham: the phishing caught at it
    assert "training_recall" not in train(pos, neg, bits=12, threshold=0.7).meta  # given by hand: not measured
    alone = train(pos, neg, bits=12, threshold=None)
    assert "each of 1 source(s)" in alone.meta["threshold_from"]
    # each source weighs the same in training: the two hard ham messages weigh as much as
    # the 200 easy ones, so the model with sources scores them lower than the one without
    assert model.score_vector(hard[0]).probability < alone.score_vector(hard[0]).probability


def test_sample_weights_balance_classes_and_ham_sources() -> None:
    y = np.array([1, 1, 0, 0, 0, 0, 0, 0])
    groups = np.array([-1, -1, 0, 0, 0, 0, 0, 7])
    weights = sample_weights(y, groups)
    assert weights[y == 1].sum() == pytest.approx(weights[y == 0].sum())  # classes weigh the same
    assert weights[groups == 0].sum() == pytest.approx(weights[groups == 7].sum())  # so do the ham sources
    assert weights[7] == pytest.approx(5 * weights[2])
    assert weights.sum() == pytest.approx(len(y))
    # one source: scikit-learn's balanced class weights, n / (2 * n_class)
    assert sample_weights(y).tolist() == pytest.approx([2.0, 2.0] + [8 / 12] * 6)


def test_ham_sources_must_match_the_ham() -> None:
    with pytest.raises(ModelError, match="1 ham sources given for 2 ham messages"):
        train(_vectors(PHISH, 1), _vectors(HARD, 1), bits=12, ham_sources=[0])
