"""A whitening start for a model's first convolution, computed from the training images.

The whitening filters of 3x3 image patches turn a patch into nine uncorrelated features of unit
variance. Starting the first convolution's first 18 filters as these nine and their negatives
(ReLU then keeps both signs) gives the layers above well-scaled, decorrelated inputs from the first
step, so the first epochs learn faster. Frozen there (``frozen=True``), as airbench and hlb-CIFAR10 freeze
such a layer, it also leaves each training step less to compute. The other filters keep their random start.
"""

import keras
import numpy as np
import tensorflow as tf

PATCH = 3
#: Added to every patch variance (pixels scaled to [0, 1]) so nearly flat directions are not blown up.
EPSILON = 1e-2
#: Training images the patch statistics come from.
SAMPLE = 10_000


def patch_whitening_filters(images: np.ndarray) -> np.ndarray:
    """The 9 whitening filters of the 3x3 patches of ``images`` and their negatives: (3, 3, 1, 18).

    ``images`` are uint8 (n, 28, 28) as the data readers return them; like the training pipeline,
    this scales them to [0, 1]. Patches are taken at every pixel with zero padding, as a "same"
    convolution sees them; their second moments are not centred (the convolution has no bias).
    """
    images = np.asarray(images)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(f"expected uint8 images of shape (n, height, width), got {images.dtype} {images.shape}")
    pixels = tf.constant(images[:SAMPLE, :, :, None], tf.float32) / 255
    window = [1, PATCH, PATCH, 1]
    patches = (
        tf.image.extract_patches(pixels, window, [1, 1, 1, 1], [1, 1, 1, 1], "SAME").numpy().reshape(-1, PATCH * PATCH)
    )
    variances, directions = np.linalg.eigh(patches.T @ patches / len(patches))
    whitening = directions / np.sqrt(variances + EPSILON)  # one filter per column
    filters = np.concatenate([whitening, -whitening], axis=1).T.reshape(-1, PATCH, PATCH)
    return filters.transpose(1, 2, 0)[:, :, None, :]


def start_from_whitening(model: keras.Model, images: np.ndarray, *, frozen: bool = False) -> None:
    """Set the first 18 filters of ``model``'s first convolution to the patch whitening filters of
    ``images``, scaled to the mean magnitude of its random start (so batch norm and the optimiser
    see weights of the size they expect); ``frozen``: the convolution's filters, all of them, then
    never train. Call it before the model is compiled."""
    conv = next((layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)), None)
    filters = patch_whitening_filters(images)
    if conv is None or tuple(conv.kernel.shape[:3]) != filters.shape[:3] or conv.kernel.shape[3] < filters.shape[3]:
        found = "none" if conv is None else tuple(conv.kernel.shape)
        raise ValueError(
            f"{model.name}: the whitening start needs a first 3x3 convolution of one channel "
            f"with at least {filters.shape[3]} filters; its first convolution's kernel is {found}"
        )
    kernel = conv.kernel.numpy()
    kernel[..., : filters.shape[3]] = filters * np.abs(kernel).mean() / np.abs(filters).mean()
    conv.kernel.assign(kernel)
    conv.kernel.trainable = not frozen
