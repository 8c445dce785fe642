"""How a trained model predicts: the one place that decides it.

A recipe predicts from one or more *views* of each image (the image itself, and its mirror image
when it uses flip averaging) and averages the class probabilities. :func:`views_of` makes that
decision for every caller: evaluation, the experiments, the notebooks and the benchmark.
"""

from collections.abc import Mapping, Sequence

import keras
import numpy as np

from fmnist.data.pipeline import make_dataset
from fmnist.recipes import get_recipe

PREDICT_BATCH_SIZE = 1024
#: The views a prediction can average over, each a function of a uint8 batch (n, 28, 28).
VIEWS = {"plain": lambda images: images, "mirrored": lambda images: images[:, :, ::-1]}


def views_of(recipe_name: str) -> tuple[str, ...]:
    """The views of each image that recipe ``recipe_name`` averages its predictions over."""
    return ("plain", "mirrored") if get_recipe(recipe_name).flip_tta else ("plain",)


def predict(model: keras.Model, images: np.ndarray, recipe_name: str) -> np.ndarray:
    """Class probabilities (n, 10) for uint8 images (n, 28, 28), as recipe ``recipe_name`` prescribes."""
    return predict_proba(model, images, views_of(recipe_name))


def predict_proba(model: keras.Model, images: np.ndarray, views: Sequence[str] = ("plain",)) -> np.ndarray:
    """Class probabilities (n, 10) for uint8 images (n, 28, 28), averaged over the named ``views``."""
    return average_views({view: _probs(model, VIEWS[view](images)) for view in views}, views)


def average_views(probs_by_view: Mapping[str, np.ndarray], views: Sequence[str]) -> np.ndarray:
    """The mean of the probabilities of the named ``views``, e.g. of recorded ones."""
    return np.mean([probs_by_view[view] for view in views], axis=0)


def _probs(model: keras.Model, images: np.ndarray) -> np.ndarray:
    return model.predict(make_dataset(images, batch_size=PREDICT_BATCH_SIZE), verbose=0)
