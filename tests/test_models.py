"""Model builders return the architecture they promise."""

import numpy as np
from keras import layers

from fmnist.runtime import build_in_precision
from fmnist.training.builders import build_baseline_cnn, build_vgg_bn


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


def test_strided_first_convolution_replaces_the_first_pooling():
    pooled, strided = (build_vgg_bn(convs_per_stage=1, stride_first_conv=strided) for strided in (False, True))
    first_conv = next(layer for layer in strided.layers if isinstance(layer, layers.Conv2D))
    assert first_conv.output.shape[1:3] == (14, 14)
    pools = [sum(isinstance(layer, layers.MaxPooling2D) for layer in m.layers) for m in (pooled, strided)]
    assert pools == [2, 1]
    assert strided.count_params() == pooled.count_params()  # the same weights, less computation
    assert strided.layers[-1].output.shape == (None, 10)


def test_vgg_bn_outputs_float32_under_mixed_precision():
    model = build_in_precision(build_vgg_bn, "mixed_bfloat16")
    probs = model.predict(np.zeros((2, 28, 28, 1), dtype=np.float32), verbose=0)
    assert probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-3)


def test_vgg_bn_without_dropout_has_no_dropout_layers():
    with_dropout, without = (build_vgg_bn(convs_per_stage=1, dropout=rate) for rate in (0.1, 0.0))
    assert [type(layer) for layer in with_dropout.layers].count(layers.Dropout) == 2
    assert layers.Dropout not in [type(layer) for layer in without.layers]
    assert without.count_params() == with_dropout.count_params()
