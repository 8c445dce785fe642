"""Cheap, vectorised augmentation for whole batches: random shifts and horizontal flips."""

import tensorflow as tf


def shift_and_flip(images: tf.Tensor, seed: tf.Tensor, max_shift: int = 2, flip: bool = True) -> tf.Tensor:
    """Mirror half of the images left-right (``flip``), then shift each by up to ``max_shift`` pixels.

    ``images`` is a float batch (b, h, w, c); ``seed`` is a shape-[2] integer tensor. The draws
    are stateless, so the same seed gives the same augmentation whatever order tf.data
    prepares batches in. Shifts are whole pixels (zero padding, then a crop gathered per
    image), so no pixel is interpolated; everything runs as a few batch ops. ``max_shift=0``
    or ``flip=False`` turns that half off (the ablations in ``05_improvements`` use this).
    """
    batch = tf.shape(images)[0]
    height, width = images.shape[1], images.shape[2]
    flip_seed, shift_seed = tf.unstack(tf.random.experimental.stateless_split(seed, num=2))
    if flip:
        mirrored = tf.random.stateless_uniform([batch, 1, 1, 1], seed=flip_seed) < 0.5
        images = tf.where(mirrored, tf.reverse(images, axis=[2]), images)
    if not max_shift:
        return images
    padded = tf.pad(images, [[0, 0], [max_shift, max_shift], [max_shift, max_shift], [0, 0]])
    offsets = tf.random.stateless_uniform(
        [2, batch, 1], seed=shift_seed, minval=0, maxval=2 * max_shift + 1, dtype=tf.int32
    )
    rows = offsets[0] + tf.range(height)[None, :]
    cols = offsets[1] + tf.range(width)[None, :]
    shifted = tf.gather(padded, rows, axis=1, batch_dims=1)
    return tf.gather(shifted, cols, axis=2, batch_dims=1)
