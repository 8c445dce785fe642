"""Run profiles, and figures saved where the profile says."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from fmnist import config  # noqa: E402
from fmnist.analysis import plots
from fmnist.analysis.explore import class_counts, mean_images  # noqa: E402


def test_default_profile_is_full(monkeypatch):
    monkeypatch.delenv(config.PROFILE_ENV_VAR, raising=False)
    profile = config.active_profile()
    assert profile.name == "full" and profile.train_size is None and profile.assets_dir == config.ASSETS_DIR


def test_smoke_profile_writes_nothing_into_the_project(monkeypatch):
    monkeypatch.setenv(config.PROFILE_ENV_VAR, "smoke")
    profile = config.active_profile()
    assert profile.train_size and profile.test_size and profile.epochs == 1
    for directory in (profile.models_dir, profile.assets_dir):
        assert config.PROJ_ROOT not in directory.parents


def test_unknown_profile(monkeypatch):
    monkeypatch.setenv(config.PROFILE_ENV_VAR, "huge")
    with pytest.raises(ValueError, match=r"\$FMNIST_PROFILE='huge' is not a profile; choose one of: full, smoke"):
        config.active_profile()


def test_save_fig_writes_into_the_profile_assets(monkeypatch, tmp_path):
    profile = config.Profile(
        name="test",
        train_size=10,
        test_size=10,
        epochs=1,
        models_dir=tmp_path / "models",
        assets_dir=tmp_path / "assets",
    )
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    plots.save_fig("line", fig, profile.assets_dir)
    written = tmp_path / "assets" / "line.png"
    assert written.read_bytes().startswith(b"\x89PNG")
    plt.close("all")


def test_every_figure_function_draws(splits):
    (images, labels), _ = splits
    probs = np.random.default_rng(0).dirichlet(np.ones(10), size=len(labels))
    history = {k: [0.5, 0.6] for k in ("accuracy", "loss", "val_accuracy", "val_loss", "epoch_seconds")}
    means = mean_images(images, labels)
    confusion = np.diag(np.full(10, 3))
    pairs = pd.DataFrame({"class A": ["Shirt"], "class B": ["Coat"], "errors": [4]})
    figures = [
        plots.samples_per_class(images, labels, per_class=2),
        plots.class_counts_bar(class_counts(train=labels)),
        plots.pixel_histogram(images, labels, ["Shirt", "Coat"]),
        plots.difference_grid(means, [("Shirt", "Coat"), ("Bag", "Dress")]),
        plots.embedding_scatter(np.random.default_rng(0).random((len(labels), 2)), labels, "map"),
        plots.distance_heatmap(pd.DataFrame(np.eye(3)), "d"),
        plots.curves(history, {"train": "", "validation": "val_"}, "curves"),
        plots.accuracy_over_time({"a": history, "b": history}, target=0.55),
        plots.accuracy_over_time({"a": history}, s_seconds=0.3),
        plots.photo_steps({"grayscale": images[0], "centred": images[1]}),
        plots.top_k_bars(
            images[:2], ["a.jpg", "b.jpg"], [[("Shirt", 0.6), ("Coat", 0.3)], [("Bag", 0.9), ("Dress", 0.05)]]
        ),
        plots.confusion_heatmap(confusion),
        plots.prediction_grid(images, labels, probs, np.arange(5)),
        plots.pairs_bar(pairs),
        plots.heatmap_overlays(images[:3], np.zeros((3, 28, 28)), ["a", "b", "c"]),
        plots.model_comparison(pd.DataFrame({"acc": [0.9, 0.94]}, index=["a", "b"]), ["acc"], reference="b"),
        plots.reliability_diagram({"raw": pd.DataFrame({"confidence": [0.5, 0.9], "accuracy": [0.6, 0.95]})}),
        plots.suspects_grid(
            pd.DataFrame(
                {
                    "split": ["train", "test"],
                    "index": [0, 1],
                    "given_label": ["Bag", "Coat"],
                    "predicted_label": ["Dress", "Shirt"],
                    "p_predicted": [0.9, 0.8],
                }
            ),
            {"train": images, "test": images},
        ),
    ]
    assert all(isinstance(fig, plt.Figure) and fig.axes for fig in figures)
    plt.close("all")


def test_prediction_grid_marks_wrong_predictions_red(splits):
    (images, labels), _ = splits
    probs = np.zeros((len(labels), 10))
    probs[0, labels[0]] = 1  # right
    probs[1, (labels[1] + 1) % 10] = 1  # wrong
    fig = plots.prediction_grid(images, labels, probs, np.array([0, 1]), ncols=2)
    assert [ax.title.get_color() for ax in fig.axes] == ["tab:green", "tab:red"]
    assert fig.axes[1].title.get_text().endswith(f"true: {config.CLASS_NAMES[labels[1]]}")
    plt.close("all")
