"""A small learned content model: hashed content features, logistic regression.

Training uses scikit-learn (``train``); scoring needs only the weight vector, so a scan
pays one CRC-32 and one array read per feature (about 0.1 ms a message). The model file
is a NumPy ``.npz`` read with ``allow_pickle=False``: a model file from elsewhere can
hold numbers and JSON text, never code.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MailwardError
from ..model import Message
from .features import FEATURE_VERSION, feature_index, features

DEFAULT_BITS = 18  # 262,144 columns: 1 MiB of float32 weights
DEFAULT_THRESHOLD = 0.9  # probability at which the model's rule fires
FORMAT = "mailward-content-model"


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

    # -- scoring ------------------------------------------------------------

    def score(self, message: Message, *, top: int = 0) -> ModelScore:
        names = features(message)
        mask = (1 << self.bits) - 1
        columns = [feature_index(name, self.bits) & mask for name in names]
        contributions = self.weights[columns] if columns else np.zeros(0, dtype=np.float32)
        z = float(contributions.sum()) + self.intercept
        probability = 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))
        best: tuple[tuple[str, float], ...] = ()
        if top and columns:
            order = np.argsort(-np.abs(contributions))[:top]
            best = tuple((names[i], round(float(contributions[i]), 3)) for i in order)
        return ModelScore(probability=probability, top=best)

    # -- files --------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        meta = dict(self.meta, format=FORMAT, feature_version=FEATURE_VERSION, bits=self.bits,
                    threshold=self.threshold, intercept=self.intercept)
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
        return cls(weights=weights, intercept=float(meta.get("intercept", 0.0)), bits=bits,
                   threshold=float(meta.get("threshold", DEFAULT_THRESHOLD)), meta=meta)


def _matrix(samples: Sequence[Sequence[str]], bits: int) -> Any:
    from scipy.sparse import csr_matrix

    indptr = [0]
    indices: list[int] = []
    for names in samples:
        columns = sorted({feature_index(name, bits) for name in names})
        indices.extend(columns)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return csr_matrix((data, np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int64)),
                      shape=(len(samples), 1 << bits))


def train(
    positives: Iterable[Sequence[str]],
    negatives: Iterable[Sequence[str]],
    *,
    bits: int = DEFAULT_BITS,
    threshold: float = DEFAULT_THRESHOLD,
    regularisation: float = 1.0,
    meta: dict[str, Any] | None = None,
) -> ContentModel:
    """Fit a logistic regression on feature lists (phishing = positive, ham = negative).

    Classes are weighted so that an unbalanced set (many ham, few phishing) does not
    simply teach the model to say "ham".
    """
    from sklearn.linear_model import LogisticRegression

    pos = list(positives)
    neg = list(negatives)
    if not pos or not neg:
        raise ModelError("training needs at least one phishing and one ham message")
    x = _matrix(pos + neg, bits)
    y = np.concatenate([np.ones(len(pos)), np.zeros(len(neg))])
    classifier = LogisticRegression(C=regularisation, class_weight="balanced", max_iter=2000, solver="liblinear",
                                    random_state=0)
    classifier.fit(x, y)
    weights = np.asarray(classifier.coef_[0], dtype=np.float32)
    info = dict(meta or {}, trained_on={"phishing": len(pos), "ham": len(neg)})
    return ContentModel(weights=weights, intercept=float(classifier.intercept_[0]), bits=bits,
                        threshold=threshold, meta=info)
