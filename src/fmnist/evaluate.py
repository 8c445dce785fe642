"""Score a trained model on labelled images: accuracy, per-class metrics, confusion matrix."""

from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import pandas as pd
from sklearn.metrics import classification_report, confusion_matrix

from fmnist.config import CLASS_NAMES, MODELS_DIR, NUM_CLASSES, weights_path
from fmnist.data.pipeline import make_dataset
from fmnist.files import read_json
from fmnist.model_files import card_beside, load_model, read_card

PREDICT_BATCH_SIZE = 1024


@dataclass(frozen=True)
class Evaluation:
    """How a model did on one labelled set of images."""

    accuracy: float
    per_class_accuracy: dict[str, float]  # recall of each class, keyed by class name
    report: str  # scikit-learn's precision / recall / F1 table, as text
    table: pd.DataFrame  # the same table: one row per class, then the averages
    confusion: np.ndarray  # rows: true class, columns: predicted class
    probs: np.ndarray  # predicted class probabilities, shape (n, 10)


def evaluate_saved(name: str, images: np.ndarray, labels: np.ndarray, models_dir: Path = MODELS_DIR):
    """Load model ``name`` from ``models_dir`` and evaluate it: see :func:`evaluate_file`."""
    return evaluate_file(weights_path(name, models_dir), images, labels)


def evaluate_file(path: Path, images: np.ndarray, labels: np.ndarray):
    """Load the model saved in ``path`` and evaluate it as its recipe predicts (with flip averaging
    if it uses it). Returns ``(model, evaluation)``.
    """
    model = load_model(path)
    flip_tta = read_card(card_beside(path))["recipe"]["flip_tta"]
    return model, evaluate(model, images, labels, flip_tta=flip_tta)


def predict_proba(model: keras.Model, images: np.ndarray, flip_tta: bool = False) -> np.ndarray:
    """Class probabilities, shape (n, 10), for uint8 images of shape (n, 28, 28).

    ``flip_tta`` averages the predictions for each image and its left-right mirror image.
    """
    probs = model.predict(make_dataset(images, batch_size=PREDICT_BATCH_SIZE), verbose=0)
    if flip_tta:
        mirrored = model.predict(make_dataset(images[:, :, ::-1], batch_size=PREDICT_BATCH_SIZE), verbose=0)
        probs = (probs + mirrored) / 2
    return probs


def evaluate(model: keras.Model, images: np.ndarray, labels: np.ndarray, flip_tta: bool = False) -> Evaluation:
    """Evaluate ``model`` on uint8 ``images`` with integer ``labels``."""
    return evaluate_probs(predict_proba(model, images, flip_tta), labels)


def evaluate_probs(probs: np.ndarray, labels: np.ndarray) -> Evaluation:
    """Evaluate predicted class probabilities (n, 10) against integer ``labels``."""
    predicted = probs.argmax(axis=1)
    report_args = {"labels": range(NUM_CLASSES), "target_names": CLASS_NAMES, "zero_division": 0}
    per_class = classification_report(labels, predicted, output_dict=True, **report_args)
    per_class.pop("accuracy", None)  # a single number, shown on its own
    return Evaluation(
        accuracy=float(np.mean(predicted == labels)),
        per_class_accuracy={name: float(per_class[name]["recall"]) for name in CLASS_NAMES},
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
                "Shirt recall": card["per_class_accuracy"]["Shirt"],
            }
        )
    columns = ["model", "parameters", "epochs", "training seconds", "best val. accuracy", "test accuracy", "Shirt recall"]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values("test accuracy", ascending=False).set_index("model")
