"""The two moves the project makes on images, written once: the mirror image and a whole-pixel shift.

Augmentation (:mod:`fmnist.data.augment`), the prediction views (:mod:`fmnist.inference.views`)
and the validation sweep (``bench/sweep/sweep.py``) all use these. Batches are (n, height, width,
channels); the functions use ``keras.ops``, so they run on any Keras backend, inside a ``tf.data``
pipeline too under TensorFlow. Shifts fill with zeros (the background) and never interpolate.
"""

import keras


def mirror(images):  # noqa: ANN001, ANN201 - a backend tensor or array in, the same kind out
    """``images`` mirrored left to right."""
    return keras.ops.flip(images, axis=2)


def shift(images, rows: int, cols: int):  # noqa: ANN001, ANN201
    """``images`` moved ``rows`` pixels down and ``cols`` right (negative: up, left), zeros filling in."""
    height, width = images.shape[1], images.shape[2]
    top, left = max(-rows, 0), max(-cols, 0)
    padded = keras.ops.pad(images, [[0, 0], [max(rows, 0), top], [max(cols, 0), left], [0, 0]])
    return padded[:, top : top + height, left : left + width, :]


def shift_each(images, rows, cols, max_shift: int):  # noqa: ANN001, ANN201
    """Each image moved by its own ``rows[i]`` and ``cols[i]`` pixels (integers of shape (n,), each
    within ``max_shift``): :func:`shift` by every possible move, keeping the one each image drew.
    Rows and columns are moved one after the other, which gives the same pixels as one move."""
    for axis_moves, move_by in ((rows, lambda x, k: shift(x, k, 0)), (cols, lambda x, k: shift(x, 0, k))):
        chosen = keras.ops.reshape(axis_moves, (-1, 1, 1, 1))
        moved = keras.ops.zeros_like(images)
        for k in range(-max_shift, max_shift + 1):
            moved = keras.ops.where(chosen == k, move_by(images, k), moved)
        images = moved
    return images
