"""Turn uint8 arrays into ``tf.data`` pipelines for training, evaluation and prediction."""

import numpy as np
import tensorflow as tf
from sklearn.model_selection import train_test_split

from fmnist.config import NUM_CLASSES, SEED, VALIDATION_FRACTION
from fmnist.data.augment import corrupt_some, shift_and_flip


def split_validation(
    images: np.ndarray, labels: np.ndarray, fraction: float = VALIDATION_FRACTION, seed: int = SEED
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Hold out a stratified ``fraction`` of the training data: ``(train, validation)``.

    A fraction under the project's ``VALIDATION_FRACTION`` holds out a stratified part of the
    project's validation split and trains on the rest of it, so every smaller validation split lies
    inside the project's one (images no model of the project trained on unless its recipe says so).
    """
    outer = max(fraction, VALIDATION_FRACTION)
    x_train, x_val, y_train, y_val = train_test_split(
        images, labels, test_size=outer, stratify=labels, random_state=seed
    )
    if fraction < outer:
        x_back, x_val, y_back, y_val = train_test_split(
            x_val, y_val, test_size=fraction / outer, stratify=y_val, random_state=seed
        )
        x_train, y_train = np.concatenate([x_train, x_back]), np.concatenate([y_train, y_back])
    return (x_train, y_train), (x_val, y_val)


def stratified_subset(
    images: np.ndarray, labels: np.ndarray, size: int | None, seed: int = SEED
) -> tuple[np.ndarray, np.ndarray]:
    """A random ``size`` of the images with every class in its share; all of them if ``size`` is None."""
    if not size or size >= len(images):
        return images, labels
    subset, _, subset_labels, _ = train_test_split(images, labels, train_size=size, stratify=labels, random_state=seed)
    return subset, subset_labels


def make_dataset(
    images: np.ndarray,
    labels: np.ndarray | None = None,
    *,
    batch_size: int,
    shuffle: bool = False,
    shift: int = 0,
    flip: bool = False,
    corrupt: float = 0.0,
    one_hot: bool = False,
    seed: int = SEED,
) -> tf.data.Dataset:
    """Batches of float32 images in [0, 1] shaped (batch, 28, 28, 1), with labels if given.

    Labels come as int32 class indices, or as one-hot float32 rows with ``one_hot``.
    ``shift`` (pixels) and ``flip`` augment with :func:`shift_and_flip`, with seeds drawn from
    ``seed`` so that a rerun sees exactly the same augmented batches; ``corrupt`` then corrupts that
    share of them (:func:`corrupt_some`), with its own seeds, so shifts and flips stay as they were. The arrays stay in memory; scaling and
    augmentation run once per batch, not once per image.
    """
    ds = tf.data.Dataset.from_tensor_slices(images if labels is None else (images, labels))
    if shuffle:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    augment = bool(shift or flip or corrupt)
    if augment:  # one seed pair per batch, from a seeded stream that changes every epoch
        batch_seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        ds = tf.data.Dataset.zip((ds, batch_seeds))
    else:
        ds = tf.data.Dataset.zip((ds,))

    def prepare(batch: tf.Tensor | tuple[tf.Tensor, tf.Tensor], batch_seed: tf.Tensor | None = None) -> tuple:
        batch_images, batch_labels = batch if labels is not None else (batch, None)
        x = tf.cast(batch_images, tf.float32)[..., tf.newaxis] / 255.0
        if augment:
            x = shift_and_flip(x, batch_seed, max_shift=shift, flip=flip)
        if corrupt:
            x = corrupt_some(x, tf.random.experimental.stateless_fold_in(batch_seed, 1), corrupt)
        if batch_labels is None:
            return x
        y = tf.cast(batch_labels, tf.int32)
        return x, tf.one_hot(y, NUM_CLASSES) if one_hot else y

    # One background thread prepares batches: a parallel, autotuned pipeline competes with training
    # for the CPU's cores and made augmented training markedly slower on a 2-core CPU (bench/README.md).
    options = tf.data.Options()
    options.threading.private_threadpool_size = 1
    options.autotune.enabled = False
    return ds.map(prepare).prefetch(2).with_options(options)
