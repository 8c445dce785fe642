"""Numbers behind 04_error_analysis: confused pairs, confident mistakes, HiResCAM heat maps."""

from collections.abc import Sequence
from itertools import combinations

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from fmnist.config import CLASS_NAMES, LOOKALIKE_CLASSES


def confused_pairs(confusion: np.ndarray) -> pd.DataFrame:
    """Class pairs ranked by how often the model mixes them up, in either direction."""
    total_errors = max(1, int(confusion.sum() - np.trace(confusion)))
    rows = [
        {
            "class A": CLASS_NAMES[a],
            "class B": CLASS_NAMES[b],
            "errors": int(confusion[a, b] + confusion[b, a]),
            "share of all errors": (confusion[a, b] + confusion[b, a]) / total_errors,
            "A predicted as B": int(confusion[a, b]),
            "B predicted as A": int(confusion[b, a]),
        }
        for a, b in combinations(range(len(CLASS_NAMES)), 2)
    ]
    return pd.DataFrame(rows).sort_values("errors", ascending=False, kind="stable").reset_index(drop=True)


def confident_mistakes(
    probs: np.ndarray, labels: np.ndarray, true_class: int, predicted_class: int, k: int = 6
) -> np.ndarray:
    """Indices of up to ``k`` images of ``true_class`` predicted as ``predicted_class``, most confident first."""
    wrong = np.flatnonzero((labels == true_class) & (probs.argmax(axis=1) == predicted_class))
    return wrong[np.argsort(-probs[wrong, predicted_class], kind="stable")][:k]


def mistake_gallery(probs: np.ndarray, labels: np.ndarray, pairs: pd.DataFrame, per_direction: int = 4) -> np.ndarray:
    """Indices of the most confident mistakes for each pair of ``pairs``, both directions in turn."""
    picks = []
    for a, b in zip(pairs["class A"], pairs["class B"]):
        a, b = CLASS_NAMES.index(a), CLASS_NAMES.index(b)
        picks += [
            confident_mistakes(probs, labels, a, b, per_direction),
            confident_mistakes(probs, labels, b, a, per_direction),
        ]
    return np.concatenate(picks)


def random_images_predicted_as(
    labels: np.ndarray, predicted: np.ndarray, true_class: int, predicted_class: int, k: int, seed: int = 0
) -> np.ndarray:
    """Up to ``k`` random indices of images of ``true_class`` predicted as ``predicted_class``."""
    matches = np.flatnonzero((labels == true_class) & (predicted == predicted_class))
    return np.random.default_rng(seed).permutation(matches)[:k]


def sample_cases(
    labels: np.ndarray, predicted: np.ndarray, cases: list[tuple[str, str]], k: int, seed: int = 0
) -> np.ndarray:
    """Indices of up to ``k`` random images for each ``(true class, predicted class)`` case, by class name, in turn."""
    return np.concatenate(
        [
            random_images_predicted_as(labels, predicted, CLASS_NAMES.index(true), CLASS_NAMES.index(guess), k, seed)
            for true, guess in cases
        ]
    )


def where_errors_go(confusion: np.ndarray, classes: Sequence[str] = LOOKALIKE_CLASSES) -> pd.DataFrame:
    """For each of ``classes``: its recall and the share of its images predicted as each class."""
    rows = [CLASS_NAMES.index(name) for name in classes]
    shares = confusion[rows] / confusion[rows].sum(axis=1, keepdims=True)
    table = pd.DataFrame(shares, index=pd.Index(classes, name="true class"), columns=CLASS_NAMES)
    return table.loc[:, (table > 0.005).any(axis=0)]


def hires_cam(
    model: keras.Model, images: np.ndarray, class_indices: np.ndarray, versus: np.ndarray | None = None
) -> np.ndarray:
    """Class-activation heat maps in [0, 1], shape (n, 28, 28): where the evidence for each class lies.

    With ``versus``, the maps show the evidence for ``class_indices[i]`` *rather than*
    ``versus[i]``: the score explained is the difference of the two classes' scores.

    ``images`` are uint8 (n, 28, 28). The maps come from the model's last spatial feature map
    before pooling and the pre-softmax score of ``class_indices[i]`` for image ``i``, computed
    as HiResCAM: gradient times activation at each position, summed over channels. Plain
    Grad-CAM first averages the gradients over positions, which is right for a pooled head but
    cancels out for a flattened one like vgg_bn's; for a pooled head the two agree. The layers
    after the map must form a plain chain ending in a Dense layer, as in every CNN here.
    """
    head = model.layers[-1]
    if not isinstance(head, keras.layers.Dense):
        raise ValueError(f"hires_cam needs a model ending in a Dense layer, not {type(head).__name__}")
    pooling = (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)
    last_map = max(
        i for i, layer in enumerate(model.layers) if len(layer.output.shape) == 4 and not isinstance(layer, pooling)
    )
    body = keras.Model(model.inputs, model.layers[last_map].output)
    x = tf.convert_to_tensor(images[..., None].astype(np.float32) / 255)
    with tf.GradientTape() as tape:
        # float32 from here on, whatever the model's mixed-precision policy
        fmap = tf.cast(body(x, training=False), tf.float32)
        tape.watch(fmap)
        hidden = fmap
        for layer in model.layers[last_map + 1 : -1]:
            hidden = layer(hidden, training=False)
        logits = tf.matmul(tf.cast(hidden, tf.float32), head.kernel) + head.bias
        score = tf.gather(logits, tf.constant(class_indices, dtype=tf.int32), batch_dims=1)
        if versus is not None:
            score -= tf.gather(logits, tf.constant(versus, dtype=tf.int32), batch_dims=1)
    grads = tape.gradient(score, fmap)
    cam = tf.nn.relu(tf.reduce_sum(grads * fmap, axis=-1))[..., None]
    cam = tf.image.resize(cam, images.shape[1:3], method="bilinear")[..., 0].numpy()
    peak = cam.max(axis=(1, 2), keepdims=True)
    return np.divide(cam, peak, out=np.zeros_like(cam), where=peak > 0)


def mean_contrast_maps(
    model: keras.Model,
    images: np.ndarray,
    labels: np.ndarray,
    predicted: np.ndarray,
    pairs: Sequence[tuple[str, str]],
    per_class: int = 200,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """For each ``(A, B)`` pair of class names, what tells A from B for the model, on average.

    For up to ``per_class`` correctly classified test images of A, and of B, average the HiResCAM
    maps of "A rather than B" (and of "B rather than A"). Returns the class mean images, the
    mean maps (each rescaled to [0, 1]) and a title for each, two per pair.
    """
    means, maps, titles = [], [], []
    for pair in pairs:
        for this, other in (pair, pair[::-1]):
            a, b = CLASS_NAMES.index(this), CLASS_NAMES.index(other)
            chosen = np.flatnonzero((labels == a) & (predicted == a))[:per_class]
            cams = hires_cam(model, images[chosen], np.full(len(chosen), a), versus=np.full(len(chosen), b))
            mean_map = cams.mean(axis=0)
            maps.append(mean_map / mean_map.max() if mean_map.max() > 0 else mean_map)
            means.append(images[chosen].mean(axis=0))
            titles.append(f"{this}\nrather than {other}")
    return np.array(means), np.array(maps), titles
