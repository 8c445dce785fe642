"""Model builders return the architecture they promise."""

import numpy as np
from keras import layers

from fmnist.models import build_baseline_cnn


def test_baseline_is_the_seed_architecture():
    model = build_baseline_cnn()
    kinds = [type(layer) for layer in model.layers]
    assert kinds == [
        layers.Conv2D,
        layers.MaxPooling2D,
        layers.Conv2D,
        layers.MaxPooling2D,
        layers.Flatten,
        layers.Dense,
        layers.Dropout,
        layers.Dense,
    ]
    assert model.input_shape == (None, 28, 28, 1)
    assert model.output_shape == (None, 10)
    assert not model.compiled  # builders leave training choices to the trainer


def test_baseline_outputs_probabilities():
    probs = build_baseline_cnn().predict(np.random.default_rng(0).random((4, 28, 28, 1)), verbose=0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
