"""How a trained model predicts: the one place that decides it, and the inference model that carries it.

A recipe predicts from one or more *views* of each image (the image itself, and its mirror image
when it uses flip averaging) and averages the class probabilities. :func:`views_of` makes that
decision; :func:`inference_model` builds it into a Keras model that takes raw uint8 images
(n, 28, 28), scales them and averages the views inside the graph, so the exported files predict
exactly as the notebooks do. Evaluation, the experiments, the notebooks, ``fmnist predict``,
export and the benchmark all predict through it.
"""

from collections.abc import Mapping, Sequence

import keras
import numpy as np

from fmnist.config import IMAGE_SHAPE
from fmnist.recipes import get_recipe

PREDICT_BATCH_SIZE = 1024
#: The views a prediction can average over.
VIEWS = ("plain", "mirrored")


@keras.saving.register_keras_serializable(package="fmnist")
class Mirror(keras.layers.Layer):
    """Mirror images (n, height, width, channels) left to right."""

    def call(self, images):
        return keras.ops.flip(images, axis=2)


def views_of(recipe_name: str) -> tuple[str, ...]:
    """The views of each image that recipe ``recipe_name`` averages its predictions over."""
    return ("plain", "mirrored") if get_recipe(recipe_name).flip_tta else ("plain",)


def inference_model(model: keras.Model, views: Sequence[str] = ("plain",)) -> keras.Model:
    """``model`` behind its preprocessing: raw uint8 images (n, 28, 28) in, class probabilities out,
    averaged over ``views``."""
    unknown = set(views) - set(VIEWS)
    if unknown or not views:
        raise ValueError(f"views must be some of {VIEWS}, not {tuple(views)}")
    images = keras.Input(IMAGE_SHAPE, dtype="uint8", name="images")
    scaled = keras.layers.Reshape((*IMAGE_SHAPE, 1))(keras.layers.Rescaling(1 / 255, name="scale")(images))
    inputs = {"plain": scaled, "mirrored": Mirror(name="mirror")(scaled) if "mirrored" in views else None}
    outputs = [keras.layers.Activation("linear", dtype="float32")(model(inputs[view])) for view in views]
    probs = outputs[0] if len(outputs) == 1 else keras.layers.Average(name="average_views")(outputs)
    return keras.Model(images, probs, name=f"{model.name}_inference")


def predict(model: keras.Model, images: np.ndarray, recipe_name: str) -> np.ndarray:
    """Class probabilities (n, 10) for uint8 images (n, 28, 28), as recipe ``recipe_name`` prescribes."""
    return predict_proba(model, images, views_of(recipe_name))


def predict_proba(model: keras.Model, images: np.ndarray, views: Sequence[str] = ("plain",)) -> np.ndarray:
    """Class probabilities (n, 10) for uint8 images (n, 28, 28), averaged over the named ``views``."""
    return inference_model(model, views).predict(np.asarray(images, dtype=np.uint8), batch_size=PREDICT_BATCH_SIZE, verbose=0)


def average_views(probs_by_view: Mapping[str, np.ndarray], views: Sequence[str]) -> np.ndarray:
    """The mean of the probabilities of the named ``views``, e.g. of recorded ones."""
    return np.mean([probs_by_view[view] for view in views], axis=0)
