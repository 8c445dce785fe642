"""Cheap, vectorised augmentation for whole batches: random shifts and horizontal flips."""

import tensorflow as tf

from fmnist.data.transforms import mirror, shift_each


def shift_and_flip(images: tf.Tensor, seed: tf.Tensor, max_shift: int = 2, flip: bool = True) -> tf.Tensor:
    """Mirror half of the images left-right (``flip``), then shift each by up to ``max_shift`` pixels.

    ``images`` is a float batch (b, h, w, c); ``seed`` is a shape-[2] integer tensor. The draws
    are stateless, so the same seed gives the same augmentation whatever order tf.data
    prepares batches in. Shifts are whole pixels with zeros filling in (:mod:`fmnist.data.transforms`),
    so no pixel is interpolated; everything runs as a few batch ops. ``max_shift=0``
    or ``flip=False`` turns that half off (the ablations in ``05_improvements`` use this).
    """
    batch = tf.shape(images)[0]
    flip_seed, shift_seed = tf.unstack(tf.random.experimental.stateless_split(seed, num=2))
    if flip:
        mirrored = tf.random.stateless_uniform([batch, 1, 1, 1], seed=flip_seed) < 0.5
        images = tf.where(mirrored, mirror(images), images)
    if not max_shift:
        return images
    offsets = tf.random.stateless_uniform(
        [2, batch], seed=shift_seed, minval=0, maxval=2 * max_shift + 1, dtype=tf.int32
    )
    return shift_each(images, max_shift - offsets[0], max_shift - offsets[1], max_shift)
