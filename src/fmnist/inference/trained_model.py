"""A trained model as every caller uses it: the network, the recipe it was trained from, its card.

Load one with :meth:`TrainedModel.load` (a ``NAME.weights.h5`` file with its card beside it) or
:meth:`TrainedModel.saved` (by name, from ``models/``). It predicts class probabilities from uint8
images (n, 28, 28), the one image convention of the package's public functions, averaging over
its recipe's views (:mod:`fmnist.inference.views`), and exports itself (:mod:`fmnist.inference.export`).
Its ``network`` is the bare Keras model, which takes float images in [0, 1] shaped (n, 28, 28, 1):
what Keras trains, and what the error-analysis heat maps look inside.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from fmnist.config import MODELS_DIR, weights_path
from fmnist.inference import model_files
from fmnist.inference.views import decision_weights_of, inference_model, predict_proba, views_of
from fmnist.training.recipes import Recipe, get_recipe


@dataclass(frozen=True)
class TrainedModel:
    """A network trained from recipe ``recipe_name``; ``card`` is its model card once saved."""

    network: keras.Model
    recipe_name: str
    card: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> "TrainedModel":
        """The model whose weights are in ``path`` (``NAME.weights.h5``), rebuilt in float32 from its card.

        A missing, damaged or stale file raises an error that names it (:mod:`fmnist.inference.model_files`).
        """
        network, card = model_files.load_network(path)
        return cls(network, card["recipe_name"], card)

    @classmethod
    def saved(cls, name: str, models_dir: Path = MODELS_DIR) -> "TrainedModel":
        """Model ``name`` as saved in ``models_dir``."""
        return cls.load(weights_path(name, models_dir))

    @property
    def recipe(self) -> Recipe:
        """The recipe the model was trained from."""
        return get_recipe(self.recipe_name)

    @property
    def views(self) -> tuple[str, ...]:
        """The views of each image that its predictions average over, as its recipe prescribes."""
        return views_of(self.recipe_name)

    @property
    def decision_weights(self) -> tuple[float, ...] | None:
        """The factor for each class's probability with which its recipe decides (None: none)."""
        return decision_weights_of(self.recipe_name)

    def inference_model(self, views: Sequence[str] | None = None) -> keras.Model:
        """A Keras model from raw uint8 images (n, 28, 28) to probabilities, averaged over ``views``
        (default: the recipe's) and reweighted as its recipe decides."""
        return inference_model(self.network, self.views if views is None else views, self.decision_weights)

    def predict(self, images: np.ndarray, views: Sequence[str] | None = None) -> np.ndarray:
        """Class probabilities (n, 10) for uint8 images (n, 28, 28), averaged over ``views`` (default: the
        recipe's) and reweighted as its recipe decides."""
        return predict_proba(self.network, images, self.views if views is None else views, self.decision_weights)

    def export(self, out: Path, representative: np.ndarray | None = None) -> dict[str, Path]:
        """Write its SavedModel and TFLite files into ``out``: see :func:`fmnist.inference.export.export`."""
        from fmnist.inference.export import export

        return export(self, out, representative=representative)
