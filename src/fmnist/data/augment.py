"""Cheap, vectorised augmentation for whole batches: random shifts and horizontal flips, and corruptions."""

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


#: What :func:`corrupt_some` can do to an image, one of them each time. None of them is a blur, a
#: compression or an overlay: those families stay held out (:data:`fmnist.analysis.corruptions.HELD_OUT_FAMILIES`).
CORRUPTION_KINDS = ("Gaussian noise", "salt and pepper", "low contrast", "brightness", "inverse", "erased patch")


def corrupt_some(images: tf.Tensor, seed: tf.Tensor, share: float) -> tf.Tensor:
    """Corrupt a random ``share`` of the images, each by one of :data:`CORRUPTION_KINDS` at a random strength.

    Gaussian noise of σ up to 0.3; salt and pepper on up to 20% of the pixels; contrast lowered to
    between 10% and 100%; a lift of up to 0.5; the negative image; a rectangle of 4 to 14 pixels a
    side filled with one grey. ``images`` are floats in [0, 1], shaped (b, h, w, 1); the draws are
    stateless, from ``seed`` (shape [2]), like :func:`shift_and_flip`'s.
    """
    shape = tf.shape(images)
    batch, height, width = shape[0], shape[1], shape[2]
    pick_seed, strength_seed, pixel_seed, noise_seed, box_seed = tf.unstack(
        tf.random.experimental.stateless_split(seed, num=5)
    )
    strength = tf.random.stateless_uniform([batch, 1, 1, 1], seed=strength_seed)
    pixels = tf.random.stateless_uniform(shape, seed=pixel_seed)
    means = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
    hit = pixels < 0.2 * strength
    box = tf.random.stateless_uniform([4, batch], seed=box_seed)
    sides = 4 + tf.cast(box[:2] * 11, tf.int32)  # 4 to 14 pixels
    tops = tf.cast(box[2] * tf.cast(height - sides[0] + 1, tf.float32), tf.int32)
    lefts = tf.cast(box[3] * tf.cast(width - sides[1] + 1, tf.float32), tf.int32)
    rows, cols = tf.range(height)[None, :], tf.range(width)[None, :]
    in_rows = (rows >= tops[:, None]) & (rows < (tops + sides[0])[:, None])
    in_cols = (cols >= lefts[:, None]) & (cols < (lefts + sides[1])[:, None])
    erased = (in_rows[:, :, None] & in_cols[:, None, :])[..., None]
    corrupted = (
        images + 0.3 * strength * tf.random.stateless_normal(shape, seed=noise_seed),
        tf.where(hit, tf.cast(pixels < 0.1 * strength, images.dtype), images),
        means + (images - means) * (0.1 + 0.9 * strength),
        images + 0.5 * strength,
        1.0 - images,
        tf.where(erased, strength, images),
    )
    # Kind k for the images whose draw is under the share; the others are left as they are.
    kinds = tf.cast(tf.random.stateless_uniform([batch, 1, 1, 1], seed=pick_seed) / share * len(corrupted), tf.int32)
    for kind, image in enumerate(corrupted):
        images = tf.where(kinds == kind, image, images)
    return tf.clip_by_value(images, 0.0, 1.0)
