"""How a trained model predicts: the one place that decides it, and the inference model that carries it.

A recipe predicts from one or more *views* of each image (the image itself, its mirror image
when it uses flip averaging, and both moved by one pixel up, down, left and right when it also
averages over shifts) and averages the class probabilities, the shifted views at half weight; a
recipe may then weight some classes' probabilities up (:func:`decision_weights_of`).
:func:`views_of` makes that decision; :func:`inference_model` builds it into a Keras model that
takes raw uint8 images (n, 28, 28), scales them and averages the views inside the graph, so the
exported files predict exactly as the notebooks do. Evaluation, the experiments, the notebooks,
``fmnist predict``, export and the benchmark all predict through it.
"""

from collections.abc import Sequence

import keras
import numpy as np

from fmnist.config import CLASS_NAMES, IMAGE_SHAPE
from fmnist.data.transforms import mirror, shift
from fmnist.training.recipes import get_recipe

PREDICT_BATCH_SIZE = 1024
#: One-pixel moves of a shifted view: (rows, columns); positive is down and right.
SHIFTS = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}


def _shifted(bases: tuple[str, ...]) -> tuple[str, ...]:
    """The names of ``bases`` moved by one pixel each way, e.g. ``plain_up``."""
    return tuple(f"{base}_{move}" for base in bases for move in SHIFTS)


#: The views a prediction can average over: the image, its mirror image, and each moved by one pixel.
VIEWS = ("plain", "mirrored", *_shifted(("plain", "mirrored")))


@keras.saving.register_keras_serializable(package="fmnist")
class Mirror(keras.layers.Layer):
    """Mirror images (n, height, width, channels) left to right (:func:`fmnist.data.transforms.mirror`)."""

    def call(self, images: "keras.KerasTensor") -> "keras.KerasTensor":
        return mirror(images)


@keras.saving.register_keras_serializable(package="fmnist")
class Shift(keras.layers.Layer):
    """Move images (n, height, width, channels) by ``rows`` and ``cols`` pixels, filling with zeros
    (:func:`fmnist.data.transforms.shift`)."""

    def __init__(self, rows: int = 0, cols: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.rows, self.cols = rows, cols

    def call(self, images: "keras.KerasTensor") -> "keras.KerasTensor":
        return shift(images, self.rows, self.cols)

    def get_config(self) -> dict:
        return {**super().get_config(), "rows": self.rows, "cols": self.cols}


@keras.saving.register_keras_serializable(package="fmnist")
class WeightedAverage(keras.layers.Layer):
    """The weighted mean of its inputs, with ``view_weights`` in their order."""

    def __init__(self, view_weights: Sequence[float], **kwargs):
        super().__init__(**kwargs)
        self.view_weights = [float(weight) for weight in view_weights]

    def call(self, inputs: list) -> "keras.KerasTensor":
        total = sum(weight * probs for weight, probs in zip(self.view_weights, inputs))
        return total / sum(self.view_weights)

    def get_config(self) -> dict:
        return {**super().get_config(), "view_weights": self.view_weights}


@keras.saving.register_keras_serializable(package="fmnist")
class Reweight(keras.layers.Layer):
    """Class probabilities multiplied by ``class_weights``, one per class, then renormalised."""

    def __init__(self, class_weights: Sequence[float], **kwargs):
        super().__init__(**kwargs)
        self.class_weights = [float(weight) for weight in class_weights]

    def call(self, probs: "keras.KerasTensor") -> "keras.KerasTensor":
        weighted = probs * keras.ops.convert_to_tensor(self.class_weights, dtype=probs.dtype)
        return weighted / keras.ops.sum(weighted, axis=-1, keepdims=True)

    def get_config(self) -> dict:
        return {**super().get_config(), "class_weights": self.class_weights}


def view_weight(view: str) -> float:
    """How much ``view`` counts in an average: 1 for the image and its mirror image, 0.5 for a shifted one."""
    return 1.0 if view in ("plain", "mirrored") else 0.5


def views_of(recipe_name: str) -> tuple[str, ...]:
    """The views of each image that recipe ``recipe_name`` averages its predictions over."""
    recipe = get_recipe(recipe_name)
    bases = ("plain", "mirrored") if recipe.flip_tta else ("plain",)
    return bases + (_shifted(bases) if recipe.shift_tta else ())


def decision_weights_of(recipe_name: str) -> tuple[float, ...] | None:
    """The factor for each class's probability with which recipe ``recipe_name`` decides; None: it takes them as they are."""
    weights = dict(get_recipe(recipe_name).decision_weights)
    unknown = set(weights) - set(CLASS_NAMES)
    if unknown:
        raise ValueError(f"decision weights name classes there are not: {sorted(unknown)}")
    return tuple(weights.get(name, 1.0) for name in CLASS_NAMES) if weights else None


def inference_model(
    model: keras.Model, views: Sequence[str] = ("plain",), decision_weights: Sequence[float] | None = None
) -> keras.Model:
    """``model`` behind its preprocessing: raw uint8 images (n, 28, 28) in, class probabilities out,
    averaged over ``views`` and, with ``decision_weights`` (one per class), reweighted by them."""
    unknown = set(views) - set(VIEWS)
    if unknown or not views:
        raise ValueError(f"views must be some of {VIEWS}, not {tuple(views)}")
    images = keras.Input(IMAGE_SHAPE, dtype="uint8", name="images")
    scaled = keras.layers.Reshape((*IMAGE_SHAPE, 1))(keras.layers.Rescaling(1 / 255, name="scale")(images))
    bases = {"plain": scaled}
    if any(view.startswith("mirrored") for view in views):
        bases["mirrored"] = Mirror(name="mirror")(scaled)
    outputs = []
    for view in views:
        base, _, move = view.partition("_")
        image = Shift(*SHIFTS[move], name=f"shift_{view}")(bases[base]) if move else bases[base]
        outputs.append(keras.layers.Activation("linear", dtype="float32")(model(image)))
    if len(outputs) == 1:
        probs = outputs[0]
    else:
        probs = WeightedAverage([view_weight(view) for view in views], name="average_views")(outputs)
    if decision_weights is not None:
        probs = Reweight(decision_weights, name="decision_weights")(probs)
    return keras.Model(images, probs, name=f"{model.name}_inference")


def predict_proba(
    model: keras.Model,
    images: np.ndarray,
    views: Sequence[str] = ("plain",),
    decision_weights: Sequence[float] | None = None,
) -> np.ndarray:
    """Class probabilities (n, 10) for uint8 images (n, 28, 28) from a bare network, averaged over the
    named ``views`` and reweighted by ``decision_weights`` (a trained model of a recipe:
    :meth:`fmnist.inference.trained_model.TrainedModel.predict`)."""
    return inference_model(model, views, decision_weights).predict(
        np.asarray(images, dtype=np.uint8), batch_size=PREDICT_BATCH_SIZE, verbose=0
    )
