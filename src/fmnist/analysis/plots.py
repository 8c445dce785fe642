"""Figures for the notebooks, and :func:`save_fig` to write one as a PNG."""

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from fmnist.config import CLASS_NAMES
from fmnist.training.history import validation_timeline

DPI = 110
#: Resolution of the figures the notebooks show (and store in their outputs): sharp on screen,
#: and small enough that a regeneration adds little to the repository's history.
NOTEBOOK_DPI = 80
plt.rcParams["figure.dpi"] = NOTEBOOK_DPI


def save_fig(name: str, fig: plt.Figure, directory: Path) -> None:
    """Save ``fig`` as ``directory/<name>.png`` at a fixed dpi.

    The notebooks save only the figures README shows, into their profile's ``assets_dir``: the
    project's ``assets/`` in the full profile, a scratch folder in the smoke profile.
    """
    path = Path(directory) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")


def image_grid(
    images: np.ndarray,
    titles: Sequence[str] | None = None,
    *,
    ncols: int = 10,
    colors: Sequence[str] | None = None,
    cmap: str = "gray_r",
    size: float = 1.3,
    suptitle: str | None = None,
) -> plt.Figure:
    """Show images in a grid with optional per-image titles (and title colours)."""
    nrows = int(np.ceil(len(images) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * (size + 0.35)), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i], cmap=cmap)
            if titles is not None:
                ax.set_title(titles[i], fontsize=8, color=colors[i] if colors is not None else "black")
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def samples_per_class(images: np.ndarray, labels: np.ndarray, per_class: int = 8, seed: int = 0) -> plt.Figure:
    """A grid with ``per_class`` random images of each class, one row per class."""
    rng = np.random.default_rng(seed)
    picks = [rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in range(len(CLASS_NAMES))]
    order = np.concatenate(picks)
    titles = [CLASS_NAMES[labels[i]] for i in order]
    return image_grid(images[order], titles, ncols=per_class)


def class_counts_bar(counts: pd.DataFrame) -> plt.Figure:
    """Bar chart of a ``class_counts`` table (classes as rows, splits as columns)."""
    ax = counts.plot.barh(figsize=(7, 4))
    ax.invert_yaxis()
    ax.set_xlabel("images")
    ax.set_title("Images per class")
    plt.tight_layout()
    return ax.figure


def difference_grid(means: np.ndarray, pairs: Sequence[tuple[str, str]]) -> plt.Figure:
    """Differences of class mean images, ``A - B`` for each ``(A, B)`` pair of class names.

    Red: more ink in A; blue: more ink in B.
    """
    fig, axes = plt.subplots(1, len(pairs), figsize=(2.6 * len(pairs), 2.9))
    for ax, (a, b) in zip(axes, pairs):
        diff = means[CLASS_NAMES.index(a)] - means[CLASS_NAMES.index(b)]
        limit = np.abs(diff).max()
        ax.imshow(diff, cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(f"{a}\nminus {b}", fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    return fig


def pairs_bar(pairs: pd.DataFrame) -> plt.Figure:
    """Horizontal bars of the errors per class pair (a ``confused_pairs`` table)."""
    labels = pairs["class A"] + " / " + pairs["class B"]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(pairs) + 1))
    ax.barh(labels, pairs["errors"], color="tab:red")
    ax.invert_yaxis()
    ax.set_xlabel("test images misclassified within the pair (both directions)")
    ax.set_title("Most confused class pairs")
    fig.tight_layout()
    return fig


def pixel_histogram(images: np.ndarray, labels: np.ndarray, classes: Sequence[str]) -> plt.Figure:
    """Distribution of non-zero pixel values for the given class names."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for name in classes:
        pixels = images[labels == CLASS_NAMES.index(name)].ravel()
        ax.hist(pixels[pixels > 0], bins=51, histtype="step", density=True, label=name, linewidth=1.5)
    ax.set_xlabel("pixel value (zeros left out)")
    ax.set_ylabel("density")
    ax.legend()
    ax.set_title("How much ink, and how dark")
    fig.tight_layout()
    return fig


def embedding_scatter(coords: np.ndarray, labels: np.ndarray, title: str) -> plt.Figure:
    """2-D points coloured by class."""
    fig, ax = plt.subplots(figsize=(8, 7))
    palette = sns.color_palette("tab10", len(CLASS_NAMES))
    for c, name in enumerate(CLASS_NAMES):
        points = coords[labels == c]
        ax.scatter(points[:, 0], points[:, 1], s=4, color=palette[c], label=name, alpha=0.7)
    ax.legend(markerscale=4, fontsize=8, loc="best")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    return fig


def distance_heatmap(table: pd.DataFrame, title: str) -> plt.Figure:
    """Heat map of a square class-by-class table of distances."""
    fig, ax = plt.subplots(figsize=(8, 6.5))
    sns.heatmap(table, annot=True, fmt=".1f", cmap="viridis_r", ax=ax, cbar_kws={"label": "distance"})
    ax.set_title(title)
    fig.tight_layout()
    return fig


def curves(history: dict, series: dict[str, str], title: str) -> plt.Figure:
    """Accuracy and loss per epoch; ``series`` maps a legend label to a history key prefix.

    For example ``{"train": "", "validation": "val_"}`` plots ``accuracy`` and ``val_accuracy``.
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, metric in zip(axes, ("accuracy", "loss")):
        for label, prefix in series.items():
            values = history[f"{prefix}{metric}"]
            ax.plot(range(1, len(values) + 1), values, marker="o", label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def accuracy_over_time(
    histories: dict[str, dict], target: float | None = None, s_seconds: float | None = None
) -> plt.Figure:
    """Validation accuracy against cumulative training time, one line per model (a history with
    ``epoch_seconds`` and ``val_accuracy``, and the halfway validations where it has them); in
    multiples of S when ``s_seconds`` gives S in seconds."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, history in histories.items():
        elapsed, accuracy = validation_timeline(history)
        ax.plot(elapsed / (s_seconds or 1.0), accuracy, marker="o", markersize=3, label=name)
    if target:
        ax.axhline(target, color="gray", linestyle="--", linewidth=1)
    ax.set_xlabel("training time (S: the original project's recipe = 1)" if s_seconds else "training time (s)")
    ax.set_ylabel("validation accuracy")
    ax.set_ylim(max(0.8, ax.get_ylim()[0]), None)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("Validation accuracy over training time")
    fig.tight_layout()
    return fig


def confusion_heatmap(confusion: np.ndarray, title: str = "Confusion matrix (test set)") -> plt.Figure:
    """Seaborn heat map of a 10x10 confusion matrix of counts."""
    fig, ax = plt.subplots(figsize=(9, 7.5))
    sns.heatmap(confusion, annot=True, fmt="d", cmap="Blues", xticklabels=CLASS_NAMES, yticklabels=CLASS_NAMES, ax=ax)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def prediction_grid(
    images: np.ndarray, labels: np.ndarray, probs: np.ndarray, indices: np.ndarray, ncols: int = 8
) -> plt.Figure:
    """Test images with true and predicted labels; wrong predictions in red."""
    predicted = probs[indices].argmax(axis=1)
    titles = [
        f"{CLASS_NAMES[p]} ({probs[i, p]:.0%})\ntrue: {CLASS_NAMES[labels[i]]}" for i, p in zip(indices, predicted)
    ]
    colors = ["tab:green" if p == labels[i] else "tab:red" for i, p in zip(indices, predicted)]
    return image_grid(images[indices], titles, colors=colors, ncols=ncols, size=1.7)


def heatmap_overlays(images: np.ndarray, heatmaps: np.ndarray, titles: Sequence[str], ncols: int = 6) -> plt.Figure:
    """Images in gray with a heat map (e.g. HiResCAM) laid over each."""
    nrows = int(np.ceil(len(images) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * 1.8, nrows * 2.1), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i], cmap="gray")
            ax.imshow(heatmaps[i], cmap="jet", alpha=0.45, vmin=0, vmax=1)
            ax.set_title(titles[i], fontsize=8)
    fig.tight_layout()
    return fig


def model_comparison(table: pd.DataFrame, metrics: Sequence[str], reference: str | None = None) -> plt.Figure:
    """One panel per metric (in %), one row per model; a dashed line marks the ``reference`` row."""
    rows = np.arange(len(table))
    fig, axes = plt.subplots(
        1, len(metrics), sharey=True, squeeze=False, figsize=(2.6 * len(metrics) + 2, 0.32 * len(table) + 1.2)
    )
    axes = axes[0]
    for ax, metric in zip(axes, metrics):
        values = 100 * table[metric].to_numpy()
        ax.scatter(values, rows, color="tab:blue", zorder=3)
        if reference is not None:
            ax.axvline(100 * table.loc[reference, metric], color="gray", linestyle="--", linewidth=1)
        ax.set_title(metric, fontsize=10)
        ax.grid(alpha=0.3)
        ax.margins(x=0.15)
    axes[0].set_yticks(rows, table.index)
    axes[0].invert_yaxis()
    fig.suptitle("Test accuracy and recall of the hard classes (%), per model")
    fig.tight_layout()
    return fig


def reliability_diagram(tables: dict[str, pd.DataFrame]) -> plt.Figure:
    """Accuracy against confidence per bin, one line per ``reliability`` table (label -> table)."""
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], color="gray", linestyle="--", linewidth=1, label="perfectly calibrated")
    for label, table in tables.items():
        ax.plot(table["confidence"], table["accuracy"], marker="o", label=label)
    ax.set_xlabel("confidence (mean in bin)")
    ax.set_ylabel("accuracy in bin")
    ax.set_xlim(0.2, 1.0)
    ax.set_ylim(0.2, 1.0)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("Reliability diagram (test set)")
    fig.tight_layout()
    return fig


def suspects_grid(suspects: pd.DataFrame, images_by_split: dict[str, np.ndarray], ncols: int = 8) -> plt.Figure:
    """Images from a ``ranked_suspects`` table, titled with the given and the predicted label."""
    images = [images_by_split[split][i] for split, i in zip(suspects["split"], suspects["index"])]
    columns = ("split", "index", "given_label", "predicted_label", "p_predicted")
    titles = [
        f"{split} #{i}\ngiven: {given}\nmodel: {predicted} {p:.0%}"
        for split, i, given, predicted, p in zip(*(suspects[c] for c in columns))
    ]
    return image_grid(np.array(images), titles, ncols=ncols, size=1.7)


def photo_steps(steps: dict[str, np.ndarray]) -> plt.Figure:
    """Each step from a photo to a Fashion-MNIST image, left to right (a ``photos.photo_steps`` dict)."""
    fig, axes = plt.subplots(1, len(steps), figsize=(2.1 * len(steps), 2.6), squeeze=False)
    for ax, (title, image) in zip(axes[0], steps.items()):
        ax.imshow(image, cmap="gray", vmin=0, vmax=255)
        ax.set_title(f"{title}\n{image.shape[1]}x{image.shape[0]}", fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    return fig


def top_k_bars(images: np.ndarray, names: Sequence[str], ranked: list) -> plt.Figure:
    """For each image: the image as the model sees it, and bars of its most probable classes."""
    fig, axes = plt.subplots(
        len(images), 2, figsize=(7, 1.5 * len(images)), squeeze=False, gridspec_kw={"width_ratios": [1, 3]}
    )
    for (image_ax, bar_ax), image, name, top in zip(axes, images, names, ranked):
        image_ax.imshow(image, cmap="gray", vmin=0, vmax=255)
        image_ax.set_title(name, fontsize=8)
        image_ax.axis("off")
        labels, probs = zip(*top)
        bar_ax.barh(labels[::-1], probs[::-1], color="tab:blue")
        bar_ax.set_xlim(0, 1)
        for y, p in enumerate(probs[::-1]):
            bar_ax.text(min(p + 0.02, 0.85), y, f"{p:.0%}", va="center", fontsize=8)
    fig.tight_layout()
    return fig


def corruption_grid(rows: dict[str, list[np.ndarray]], size: float = 0.85) -> plt.Figure:
    """One row per corruption, its severities left to right (a one-level corruption fills one cell)."""
    ncols = max(len(images) for images in rows.values())
    fig, axes = plt.subplots(len(rows), ncols, figsize=(ncols * size + 1.2, len(rows) * size), squeeze=False)
    for (name, images), row in zip(rows.items(), axes):
        for severity, ax in enumerate(row, start=1):
            ax.set_xticks([])
            ax.set_yticks([])
            if severity <= len(images):
                ax.imshow(images[severity - 1], cmap="gray", vmin=0, vmax=255)
            else:
                ax.axis("off")
        row[0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
    for severity, ax in enumerate(axes[0], start=1):
        ax.set_title(f"severity {severity}", fontsize=8)
    fig.subplots_adjust(wspace=0.05, hspace=0.05)
    return fig


def severity_curves(per_family: pd.DataFrame, clean: pd.Series) -> plt.Figure:
    """Accuracy against severity, one panel per corruption family, one line per model; the clean accuracy at 0.

    ``per_family`` is indexed by (family, severity), one column per model.
    """
    families = list(dict.fromkeys(per_family.index.get_level_values("family")))
    ncols = 4
    nrows = int(np.ceil(len(families) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.6 * nrows), sharey=True, squeeze=False)
    for ax, family in zip(axes.flat, families):
        rows = per_family.loc[family]
        for model in per_family.columns:
            ax.plot([0, *rows.index], [clean[model], *rows[model]], marker="o", markersize=3, label=model)
        ax.set_title(family)
        ax.set_xticks(range(0, int(rows.index.max()) + 1))
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(families) :]:
        ax.axis("off")
    for ax in axes[:, 0]:
        ax.set_ylabel("accuracy")
    for ax in axes[-1]:
        ax.set_xlabel("severity (0: clean)")
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    return fig
