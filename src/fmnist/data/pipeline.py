"""Turn uint8 arrays into ``tf.data`` pipelines for training, evaluation and prediction."""

import numpy as np
import tensorflow as tf
from sklearn.model_selection import train_test_split

from fmnist.config import SEED


def split_validation(
    images: np.ndarray, labels: np.ndarray, fraction: float, seed: int = SEED
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Hold out a stratified ``fraction`` of the training data: ``(train, validation)``."""
    x_train, x_val, y_train, y_val = train_test_split(
        images, labels, test_size=fraction, stratify=labels, random_state=seed
    )
    return (x_train, y_train), (x_val, y_val)


def make_dataset(
    images: np.ndarray,
    labels: np.ndarray | None = None,
    *,
    batch_size: int,
    shuffle: bool = False,
    seed: int = SEED,
) -> tf.data.Dataset:
    """Batches of float32 images in [0, 1] shaped (batch, 28, 28, 1), with int32 labels if given.

    The arrays stay in memory; scaling runs once per batch, not once per image.
    """
    ds = tf.data.Dataset.from_tensor_slices(images if labels is None else (images, labels))
    if shuffle:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    ds = ds.map(_scale if labels is None else _scale_with_labels, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def _scale(images):
    return tf.cast(images, tf.float32)[..., tf.newaxis] / 255.0


def _scale_with_labels(images, labels):
    return _scale(images), tf.cast(labels, tf.int32)
