"""A small learned content model: hashed content features, logistic regression.

Training uses scikit-learn (``train``); scoring needs only the weight vector: the
feature hashes (``FeatureVector``), masked to the model's size, index it. The model file
is a NumPy ``.npz`` read with ``allow_pickle=False``: a model file from elsewhere can
hold numbers and JSON text, never code.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MailwardError
from ..model import Message
from .features import FEATURE_VERSION, MAX_CHARS, FeatureVector, distinct, features

DEFAULT_BITS = 18  # 262,144 columns: 1 MiB of float32 weights
DEFAULT_THRESHOLD = 0.9  # probability at which the model's rule fires, unless chosen on the ham
DEFAULT_REGULARISATION = 1.0  # liblinear's C
AUTO_HAM_RATE = 0.001  # a chosen threshold lets at most this share of the training ham through
AUTO_FOLDS = 5  # folds of the out-of-fold scores the threshold is chosen on
AUTO_MIN_HAM = 200  # fewer ham messages than this cannot place a threshold at that rate
FORMAT = "mailward-content-model"


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


class ModelError(MailwardError):
    """A model file that cannot be read or does not fit this version of mailward."""


@dataclass(frozen=True)
class ModelScore:
    probability: float
    top: tuple[tuple[str, float], ...]  # the features that pushed the score most, with weights


@dataclass
class ContentModel:
    weights: np.ndarray  # float32, 2**bits
    intercept: float
    bits: int = DEFAULT_BITS
    threshold: float = DEFAULT_THRESHOLD
    meta: dict[str, Any] = field(default_factory=dict)
    words: bool = True  # word features (subject, display name, body); False: shapes only
    body_chars: int = MAX_CHARS  # characters of body text read (a file without the number: MAX_CHARS)

    # -- scoring ------------------------------------------------------------

    def score(self, message: Message, facts: Mapping[str, Any] | None = None, *, top: int = 0,
              top_from: float = 0.0) -> ModelScore:
        """The phishing probability of ``message``; ``facts`` are the scan's facts for it
        (computed when not given); ``top`` names the features that pushed it most, when
        the probability is at least ``top_from`` (a scan names them when the rule fires)."""
        vector = features(message, facts, words=self.words, body_chars=self.body_chars)
        return self.score_vector(vector, top=top, top_from=top_from)

    def score_vector(self, vector: FeatureVector, *, top: int = 0, top_from: float = 0.0) -> ModelScore:
        masked = vector.masked(self.bits)
        columns = distinct(masked)  # a feature counts once, as in training
        probability = _sigmoid(float(self.weights[columns].sum()) + self.intercept)
        if not top or not len(masked) or probability < top_from:
            return ModelScore(probability=probability, top=())
        # the strongest weights among the message's features, each column named once;
        # a few more candidates than asked, as a feature may repeat
        per_feature = self.weights[masked]
        # one sort of a few hundred values costs less than a partition and a sort of part
        candidates = np.argsort(-np.abs(per_feature), kind="stable")[: 4 * top]
        picked: list[tuple[str, float]] = []
        seen: set[int] = set()
        for index in candidates.tolist():
            column = int(masked[index])
            if column in seen:
                continue
            seen.add(column)
            picked.append((vector.name(index), round(float(per_feature[index]), 3)))
            if len(picked) == top:
                break
        return ModelScore(probability=probability, top=tuple(picked))

    # -- files --------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        meta = dict(self.meta, format=FORMAT, feature_version=FEATURE_VERSION, bits=self.bits,
                    threshold=self.threshold, intercept=self.intercept, words=self.words, body_chars=self.body_chars)
        target = Path(path)
        tmp = target.with_name(target.name + ".tmp")
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, weights=self.weights.astype(np.float32),
                                meta=np.array(json.dumps(meta, sort_keys=True)))
        os.replace(tmp, target)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ContentModel:
        try:
            with np.load(path, allow_pickle=False) as data:
                weights = np.asarray(data["weights"], dtype=np.float32)
                meta = json.loads(str(data["meta"]))
        except FileNotFoundError:
            raise ModelError(f"{path}: no such model file") from None
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"{path}: not a mailward model file ({exc})") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ModelError(f"{path}: not a mailward model file")
        if meta.get("feature_version") != FEATURE_VERSION:
            raise ModelError(
                f"{path}: made for feature version {meta.get('feature_version')}, this mailward uses "
                f"{FEATURE_VERSION}: train it again with `mailward learn`"
            )
        bits = int(meta.get("bits", 0))
        if not 8 <= bits <= 24 or weights.shape != (1 << bits,):
            raise ModelError(f"{path}: weights do not match the declared size")
        body_chars = meta.get("body_chars", MAX_CHARS)
        if not isinstance(body_chars, int) or isinstance(body_chars, bool) or not 100 <= body_chars <= 100_000:
            raise ModelError(f"{path}: body_chars {body_chars!r} is not a number of characters from 100 to 100,000")
        return cls(weights=weights, intercept=float(meta.get("intercept", 0.0)), bits=bits,
                   threshold=float(meta.get("threshold", DEFAULT_THRESHOLD)), meta=meta,
                   words=bool(meta.get("words", True)), body_chars=body_chars)


def _matrix(samples: Sequence[FeatureVector], bits: int) -> Any:
    from scipy.sparse import csr_matrix

    indptr = [0]
    parts: list[np.ndarray] = []
    for vector in samples:
        columns = vector.columns(bits)
        parts.append(columns)
        indptr.append(indptr[-1] + len(columns))
    indices = np.concatenate(parts).astype(np.int32) if parts else np.zeros(0, dtype=np.int32)
    data = np.ones(len(indices), dtype=np.float32)
    return csr_matrix((data, indices, np.asarray(indptr, dtype=np.int64)), shape=(len(samples), 1 << bits))


def sample_weights(y: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """One weight per training row: the two classes weigh the same in total (as
    scikit-learn's ``class_weight="balanced"``) and, within the ham, each source
    (``groups``: one value per row, ham rows only read) weighs the same in total, so
    that a large supplement (synthetic wanted mail, say) does not drown the site's own
    ham. With one ham source these are the balanced class weights."""
    n = len(y)
    weights = np.zeros(n)
    ham = y == 0
    positives = int((~ham).sum())
    if positives:
        weights[~ham] = n / (2 * positives)
    group_of = np.zeros(n, dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    sources = sorted(set(group_of[ham].tolist()))
    for source in sources:
        rows = ham & (group_of == source)
        weights[rows] = n / (2 * len(sources) * int(rows.sum()))
    return weights


def _fit(x: Any, y: np.ndarray, regularisation: float, weights: np.ndarray | None = None) -> Any:
    from sklearn.linear_model import LogisticRegression

    classifier = LogisticRegression(C=regularisation, max_iter=2000, solver="liblinear", random_state=0)
    return classifier.fit(x, y, sample_weight=sample_weights(y) if weights is None else weights)


def ham_allowance(n: int, ham_rate: float) -> int:
    """How many of ``n`` ham scores may lie above the threshold for new ham to score above it
    at ``ham_rate`` or less, on average: with the threshold just above the ``k``-th highest of
    ``n`` scores, a new message from the same source scores above it with probability
    ``k / (n + 1)``, so ``k`` is at most ``ham_rate * (n + 1)`` and ``k - 1`` lie above.
    Below ``1 / ham_rate - 1`` messages the rate cannot be held; the highest score is used."""
    return max(0, math.floor(ham_rate * (n + 1)) - 1)


def ham_threshold(x: Any, y: np.ndarray, regularisation: float, *, ham_rate: float = AUTO_HAM_RATE,
                  folds: int = AUTO_FOLDS, groups: np.ndarray | None = None) -> float:
    """The probability above which new ham scores at a rate of at most ``ham_rate`` (on
    average; ``ham_allowance``), judged from the training ham, each message scored by a
    model that did not train on it (``folds``-fold): chosen on training ham only, never on
    the sets the model is measured on.

    ``groups`` (one value per row of ``x``) names the source of each ham message: the
    rate then holds for every source, not only for all of them together, so that a large,
    easy supplement (synthetic newsletters, say) cannot make room for false alarms on the
    site's own ham."""
    return threshold_and_recall(x, y, regularisation, ham_rate=ham_rate, folds=folds, groups=groups)[0]


def threshold_and_recall(x: Any, y: np.ndarray, regularisation: float, *, ham_rate: float = AUTO_HAM_RATE,
                         folds: int = AUTO_FOLDS, groups: np.ndarray | None = None) -> tuple[float, float | None]:
    """``ham_threshold``, and the share of the training phishing that the same out-of-fold
    models score at or above it (None without phishing scored): what the site can expect
    the model to catch of phishing like its own, at that threshold."""
    n = x.shape[0]
    fold = np.arange(n) % folds
    group_of = np.zeros(n, dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    scored: dict[int, list[np.ndarray]] = {}
    phishing: list[np.ndarray] = []
    for k in range(folds):
        train_rows = np.flatnonzero(fold != k)
        test_rows = np.flatnonzero(fold == k)
        if not len(test_rows) or len(set(y[train_rows].tolist())) < 2:
            continue
        model = _fit(x[train_rows], y[train_rows], regularisation, sample_weights(y[train_rows], group_of[train_rows]))
        probabilities = model.predict_proba(x[test_rows])[:, 1]
        ham = y[test_rows] == 0
        phishing.append(probabilities[~ham])
        for group in set(group_of[test_rows][ham].tolist()):
            scored.setdefault(group, []).append(probabilities[ham & (group_of[test_rows] == group)])
    if not scored:
        return DEFAULT_THRESHOLD, None
    above = 0.0
    for parts in scored.values():
        scores = np.sort(np.concatenate(parts))
        allowed = ham_allowance(len(scores), ham_rate)  # this many ham of the source may score at or above
        above = max(above, float(scores[len(scores) - allowed - 1]))  # the highest that must stay below
    threshold = float(min(0.999, max(0.5, above + 1e-4)))
    caught = np.concatenate(phishing) if phishing else np.zeros(0)
    return threshold, float(np.mean(caught >= threshold)) if len(caught) else None


def train(
    positives: Iterable[FeatureVector],
    negatives: Iterable[FeatureVector],
    *,
    bits: int = DEFAULT_BITS,
    threshold: float | None = DEFAULT_THRESHOLD,
    regularisation: float = DEFAULT_REGULARISATION,
    meta: dict[str, Any] | None = None,
    words: bool = True,
    ham_sources: Sequence[int] | None = None,
    body_chars: int = MAX_CHARS,
) -> ContentModel:
    """Fit a logistic regression on feature vectors (phishing = positive, ham = negative).

    Classes are weighted so that an unbalanced set (many ham, few phishing) does not
    simply teach the model to say "ham". ``threshold=None`` chooses it on the training
    ham (``ham_threshold``) when there are at least ``AUTO_MIN_HAM`` ham messages, else
    uses ``DEFAULT_THRESHOLD``. ``words`` says whether the vectors hold word features
    (``features(..., words=...)``); the model scores messages the same way.
    ``ham_sources`` (one number per ham message) says which source each came from (each
    ``--ham`` of ``mailward learn``, the store): a chosen threshold then lets at most
    ``AUTO_HAM_RATE`` of each source through. ``body_chars`` is what the vectors were made
    with (``features(..., body_chars=...)``); the model reads as many when it scores.
    """
    pos = list(positives)
    neg = list(negatives)
    if not pos or not neg:
        raise ModelError("training needs at least one phishing and one ham message")
    if ham_sources is not None and len(ham_sources) != len(neg):
        raise ModelError(f"{len(ham_sources)} ham sources given for {len(neg)} ham messages")
    x = _matrix(pos + neg, bits)
    y = np.concatenate([np.ones(len(pos)), np.zeros(len(neg))])
    groups = None if ham_sources is None else np.concatenate([np.full(len(pos), -1), np.asarray(ham_sources)])
    classifier = _fit(x, y, regularisation, sample_weights(y, groups))
    chosen = "given"
    recall: float | None = None
    if threshold is None:
        if len(neg) >= AUTO_MIN_HAM:
            sources = 1 if ham_sources is None else len(set(ham_sources))
            threshold, recall = threshold_and_recall(x, y, regularisation, groups=groups)
            chosen = f"training ham, at most {AUTO_HAM_RATE:.2%} of each of {sources} source(s) above"
            smallest = min(Counter(ham_sources or [0] * len(neg)).values())
            if smallest + 1 < 1 / AUTO_HAM_RATE:
                chosen += (f"; the smallest ham source has {smallest} messages, so new ham from it scores above "
                           f"about 1 in {smallest + 1}: {math.ceil(1 / AUTO_HAM_RATE) - 1} or more hold the rate")
        else:
            threshold, chosen = DEFAULT_THRESHOLD, f"default (fewer than {AUTO_MIN_HAM} ham to choose it on)"
    weights = np.asarray(classifier.coef_[0], dtype=np.float32)
    info = dict(meta or {}, trained_on={"phishing": len(pos), "ham": len(neg)}, threshold_from=chosen,
                regularisation=regularisation)
    if recall is not None:
        info["training_recall"] = round(recall, 4)  # out of fold, at the threshold chosen
    return ContentModel(weights=weights, intercept=float(classifier.intercept_[0]), bits=bits,
                        threshold=threshold, meta=info, words=words, body_chars=body_chars)
