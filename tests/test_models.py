"""Model builders return the architecture they promise."""

import numpy as np
from fmnist.runtime import build_in_precision
from keras import layers

from fmnist.models import build_baseline_cnn, build_vgg_bn


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


def test_vgg_bn_keeps_position_in_its_head():
    model = build_vgg_bn()
    assert model.input_shape == (None, 28, 28, 1) and model.output_shape == (None, 10)
    kinds = [type(layer) for layer in model.layers]
    assert kinds.count(layers.Conv2D) == 6 and kinds.count(layers.BatchNormalization) == 7
    assert layers.Flatten in kinds and layers.GlobalAveragePooling2D not in kinds
    assert not model.compiled


def test_vgg_bn_outputs_float32_under_mixed_precision():
    model = build_in_precision(build_vgg_bn, "mixed_bfloat16")
    probs = model.predict(np.zeros((2, 28, 28, 1), dtype=np.float32), verbose=0)
    assert probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-3)
