"""Model builders: small pure functions that return uncompiled Keras models."""

import keras
from keras import layers

from fmnist.config import IMAGE_SHAPE, NUM_CLASSES


def build_baseline_cnn() -> keras.Model:
    """The seed project's CNN: two conv + max-pool stages, a dense layer with dropout, softmax.

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
