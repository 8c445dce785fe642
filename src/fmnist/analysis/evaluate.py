"""Score a trained model on labelled images: accuracy, per-class metrics, confusion matrix."""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import binomtest
from sklearn.metrics import classification_report, confusion_matrix

from fmnist.config import CLASS_NAMES, MODELS_DIR, NUM_CLASSES, SEED
from fmnist.files import read_json
from fmnist.inference.trained_model import TrainedModel


@dataclass(frozen=True)
class Evaluation:
    """How a model did on one labelled set of images."""

    accuracy: float
    per_class_recall: dict[str, float]  # recall of each class, keyed by class name
    report: str  # scikit-learn's precision / recall / F1 table, as text
    table: pd.DataFrame  # the same table: one row per class, then the averages
    confusion: np.ndarray  # rows: true class, columns: predicted class
    probs: np.ndarray  # predicted class probabilities, shape (n, 10)


def evaluate_saved(
    name: str, images: np.ndarray, labels: np.ndarray, models_dir: Path = MODELS_DIR
) -> tuple[TrainedModel, Evaluation]:
    """Load model ``name`` from ``models_dir`` and evaluate it as its recipe predicts: ``(model, evaluation)``."""
    model = TrainedModel.saved(name, models_dir)
    return model, evaluate(model, images, labels)


def evaluate(
    model: TrainedModel, images: np.ndarray, labels: np.ndarray, views: Sequence[str] | None = None
) -> Evaluation:
    """Evaluate ``model`` on uint8 ``images`` with integer ``labels``, averaging over ``views`` (default:
    its recipe's; see :mod:`fmnist.inference.views`)."""
    return evaluate_probs(model.predict(images, views), labels)


def evaluate_probs(probs: np.ndarray, labels: np.ndarray) -> Evaluation:
    """Evaluate predicted class probabilities (n, 10) against integer ``labels``."""
    predicted = probs.argmax(axis=1)
    report_args = {"labels": range(NUM_CLASSES), "target_names": CLASS_NAMES, "zero_division": 0}
    per_class = classification_report(labels, predicted, output_dict=True, **report_args)
    per_class.pop("accuracy", None)  # a single number, shown on its own
    return Evaluation(
        accuracy=float(np.mean(predicted == labels)),
        per_class_recall={name: float(per_class[name]["recall"]) for name in CLASS_NAMES},
        report=classification_report(labels, predicted, digits=4, **report_args),
        table=pd.DataFrame(per_class).T.astype({"support": int}),
        confusion=confusion_matrix(labels, predicted, labels=range(NUM_CLASSES)),
        probs=probs,
    )


def compare_models(models_dir: Path) -> pd.DataFrame:
    """One row per saved model card in ``models_dir``, best test accuracy first."""
    rows = []
    for path in sorted(Path(models_dir).glob("*.card.json")):
        card = read_json(path)
        rows.append(
            {
                "model": card["model"],
                "parameters": card["parameters"],
                "epochs": card["epochs"],
                "training seconds": card["training_seconds"],
                "best val. accuracy": card["best_val_accuracy"],
                "test accuracy": card["test_accuracy"],
                "Shirt recall": card["per_class_recall"]["Shirt"],
            }
        )
    columns = [
        "model",
        "parameters",
        "epochs",
        "training seconds",
        "best val. accuracy",
        "test accuracy",
        "Shirt recall",
    ]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values("test accuracy", ascending=False).set_index("model")


def accuracy_interval(
    correct: np.ndarray, confidence: float = 0.95, resamples: int = 2000, seed: int = SEED
) -> tuple[float, float]:
    """Bootstrap percentile interval of the accuracy behind the per-image outcomes ``correct`` (booleans):
    how far the same model could score on another test set drawn like this one."""
    rng = np.random.default_rng(seed)
    means = rng.choice(correct.astype(float), size=(resamples, len(correct)), replace=True).mean(axis=1)
    tail = (1 - confidence) / 2
    return float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))


def paired_outcomes(correct: dict[str, np.ndarray]) -> tuple[pd.DataFrame, float]:
    """Two models on the same images: a 2x2 table of how many images each gets right, and McNemar's exact
    p-value, the chance of a split of the disagreements at least this uneven if both were equally good."""
    (name_a, a), (name_b, b) = correct.items()
    table = pd.DataFrame(
        [[np.sum(a & b), np.sum(a & ~b)], [np.sum(~a & b), np.sum(~a & ~b)]],
        index=pd.Index([f"{name_a} right", f"{name_a} wrong"]),
        columns=[f"{name_b} right", f"{name_b} wrong"],
    )
    only_a, only_b = int(np.sum(a & ~b)), int(np.sum(~a & b))
    p_value = binomtest(only_a, only_a + only_b, 0.5).pvalue if only_a + only_b else 1.0
    return table, float(p_value)
