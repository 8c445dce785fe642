"""Numbers behind 01_explore: class balance, mean images, pixel statistics, 2-D maps."""

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

from fmnist.config import CLASS_NAMES, SEED


def class_counts(**splits: np.ndarray) -> pd.DataFrame:
    """Images per class, one column per named label array (e.g. ``train=y_train``)."""
    return pd.DataFrame(
        {name: np.bincount(labels, minlength=len(CLASS_NAMES)) for name, labels in splits.items()},
        index=pd.Index(CLASS_NAMES, name="class"),
    )


def mean_images(images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The average image of each class, shape (10, 28, 28), in pixel units (0..255)."""
    return np.stack([images[labels == c].mean(axis=0) for c in range(len(CLASS_NAMES))])


def pixel_stats(images: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    """Per class: mean and spread of pixel values, and the share of pixels with any ink."""
    rows = {}
    for c, name in enumerate(CLASS_NAMES):
        pixels = images[labels == c].astype(np.float64)
        rows[name] = {
            "mean": pixels.mean(),
            "std": pixels.std(),
            "ink share": (pixels > 0).mean(),
            "mean ink per image": pixels.sum(axis=(1, 2)).mean() / 255,
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("class")


def mean_image_distances(images: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    """Euclidean distance between class mean images (pixel values scaled to [0, 1])."""
    means = mean_images(images, labels).reshape(len(CLASS_NAMES), -1) / 255
    distances = np.linalg.norm(means[:, None, :] - means[None, :, :], axis=-1)
    return pd.DataFrame(distances, index=CLASS_NAMES, columns=CLASS_NAMES)


def embed_2d(images: np.ndarray, method: str = "tsne", seed: int = SEED) -> np.ndarray:
    """2-D coordinates of ``images``: ``"pca"``, or ``"tsne"`` on the first 50 principal components."""
    flat = images.reshape(len(images), -1).astype(np.float32) / 255
    if method == "pca":
        return PCA(n_components=2, random_state=seed).fit_transform(flat)
    reduced = PCA(n_components=min(50, len(flat)), random_state=seed).fit_transform(flat)
    perplexity = min(30.0, (len(flat) - 1) / 3)
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(reduced)
