"""The default model: a logistic regression on standardised features (scikit-learn), trained on
one part of the labelled parties and judged by its ROC AUC on the held-out part."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from domain.credit_scoring.scorecard import Coefficient


class InsufficientSamples(ValueError):
    def __init__(self, samples: int, minimum: int) -> None:
        super().__init__(f"Insufficient samples: {samples} < {minimum}")


class UnusableLabels(ValueError):
    """The labels cannot train or judge a model (one class only)."""


@dataclass
class TrainedModel:
    coefficients: list[Coefficient]
    intercept: float
    auc_roc: float
    train_samples: int
    test_samples: int
    default_rate: float


def train(
    features: list[str],
    x: np.ndarray,
    y: np.ndarray,
    *,
    test_size: float,
    min_samples: int,
    seed: int,
) -> TrainedModel:
    """Fit on a stratified split; the AUC is computed on the held-out part only."""
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]
    from sklearn.model_selection import train_test_split  # type: ignore[import-untyped]
    from sklearn.preprocessing import StandardScaler  # type: ignore[import-untyped]

    if len(y) < min_samples:
        raise InsufficientSamples(len(y), min_samples)
    positives = int(y.sum())
    if positives < 2 or len(y) - positives < 2:
        raise UnusableLabels(
            f"the labels hold {positives} defaults among {len(y)} parties: a model needs at "
            "least two of each class"
        )
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, random_state=seed % (2**32), stratify=y
    )
    scaler = StandardScaler().fit(x_train)
    model = LogisticRegression(max_iter=2000).fit(scaler.transform(x_train), y_train)
    scores = model.predict_proba(scaler.transform(x_test))[:, 1]
    auc = float(roc_auc_score(y_test, scores))
    scales = np.asarray(scaler.scale_, dtype=float)
    means = np.asarray(scaler.mean_, dtype=float)
    return TrainedModel(
        coefficients=[
            Coefficient(name, float(coef), float(mean), float(scale))
            for name, coef, mean, scale in zip(features, model.coef_[0], means, scales, strict=True)
        ],
        intercept=float(model.intercept_[0]),
        auc_roc=round(auc, 4),
        train_samples=len(y_train),
        test_samples=len(y_test),
        default_rate=round(positives / len(y), 4),
    )
