"""Model builders: small pure functions that return uncompiled Keras models."""

import keras
from keras import layers

from fmnist.config import IMAGE_SHAPE, NUM_CLASSES


def build_baseline_cnn() -> keras.Model:
    """The original project's CNN: two conv + max-pool stages, a dense layer with dropout, softmax.

    Takes images scaled to [0, 1] with shape (28, 28, 1); returns class probabilities.
    """
    return keras.Sequential(
        [
            keras.Input(shape=(*IMAGE_SHAPE, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="baseline",
    )


def build_dense_tutorial() -> keras.Model:
    """The TensorFlow classification tutorial's network: Flatten, Dense 128 ReLU, Dense 10 (softmax here).

    The peer most people start from; no convolutions. Takes images scaled to [0, 1], (28, 28, 1).
    """
    return keras.Sequential(
        [
            keras.Input(shape=(*IMAGE_SHAPE, 1)),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="tutorial_dense",
    )


def build_vgg_bn(
    widths: tuple[int, ...] = (32, 64, 128),
    convs_per_stage: int = 2,
    dense_units: int = 256,
    dropout: float = 0.3,
    bn_momentum: float = 0.99,
    stride_first_conv: bool = False,
) -> keras.Model:
    """A deeper CNN: VGG-style stages of 3x3 conv + batch norm + ReLU with max-pooling between
    them, then a flattened (position-aware) head: dropout, a batch-normalised dense layer,
    dropout, softmax (``dropout=0``: no dropout layers).

    Takes images scaled to [0, 1] with shape (28, 28, 1); returns class probabilities (kept in
    float32 when a mixed-precision policy is active). The flattened head keeps where features
    are (how far sleeves reach, where a collar sits), which global pooling would average away.
    ``bn_momentum`` 0.9 makes batch norm's running statistics (what the model predicts with) follow
    the weights within tens of steps instead of hundreds, which is what lets a short training
    score well from its first epoch.
    ``stride_first_conv`` gives the first convolution a stride of 2 in place of the first pooling:
    nothing is then computed at 28x28, which trains ``fast_cnn`` faster on a CPU (bench/README.md measures how much).
    """
    inputs = keras.Input(shape=(*IMAGE_SHAPE, 1))
    x = inputs
    for stage, width in enumerate(widths):
        if stage and not (stage == 1 and stride_first_conv):
            x = layers.MaxPooling2D(2)(x)
        for conv in range(convs_per_stage):
            stride = 2 if stride_first_conv and stage == conv == 0 else 1
            x = layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False)(x)
            x = layers.BatchNormalization(momentum=bn_momentum)(x)
            x = layers.ReLU()(x)
    x = layers.Flatten()(x)
    if dropout:
        x = layers.Dropout(dropout)(x)
    x = layers.Dense(dense_units, use_bias=False)(x)
    x = layers.BatchNormalization(momentum=bn_momentum)(x)
    x = layers.ReLU()(x)
    if dropout:
        x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="vgg_bn")
