"""Saved models: weights plus a card that names the recipe; every broken file gets a clear error."""

import re

import numpy as np
import pytest

from fmnist.cli import main
from fmnist.config import MODELS_DIR, card_path, weights_path
from fmnist.files import read_json, write_json
from fmnist.inference.model_files import ModelFileError, card_beside, save_weights
from fmnist.inference.trained_model import TrainedModel
from fmnist.training.builders import build_baseline_cnn


@pytest.fixture
def saved(tmp_path):
    """A baseline CNN with seeded random weights, saved as ``tmp_path/baseline``; returns its path and model."""
    import keras

    keras.utils.set_random_seed(0)
    model = build_baseline_cnn()
    path = weights_path("baseline", tmp_path)
    sha = save_weights(model, "baseline", path)
    write_json(card_path("baseline", tmp_path), {"model": "baseline", "recipe_name": "baseline", "weights_sha256": sha})
    return path, model


def test_a_saved_model_loads_and_predicts_the_same(saved, splits):
    path, model = saved
    images = splits[0][0][..., None] / 255
    np.testing.assert_array_equal(
        TrainedModel.load(path).network.predict(images, verbose=0), model.predict(images, verbose=0)
    )
    assert card_beside(path) == card_path("baseline", path.parent)


def test_weights_of_a_compiled_model_hold_no_optimizer_state(tmp_path):
    import h5py

    model = build_baseline_cnn()
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.optimizer.build(model.trainable_variables)
    save_weights(model, "baseline", tmp_path / "baseline.weights.h5")
    with h5py.File(tmp_path / "baseline.weights.h5") as weights:
        assert "optimizer" not in weights and "layers" in weights


def test_a_missing_model_says_to_train_one(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"vgg_bn\.weights\.h5: no saved model; train one first"):
        TrainedModel.load(weights_path("vgg_bn", tmp_path))


@pytest.mark.parametrize("damage", ["truncated", "corrupt", "empty"])
def test_a_damaged_weights_file_is_refused_by_name(saved, damage):
    path, _ = saved
    data = path.read_bytes()
    damaged = {"truncated": data[: len(data) // 2], "corrupt": data[:4000] + b"\xff" * 16 + data[4016:], "empty": b""}
    path.write_bytes(damaged[damage])
    with pytest.raises(ModelFileError, match=rf"{path}: its SHA-256 differs .* truncated or corrupt"):
        TrainedModel.load(path)


def test_weights_that_do_not_fit_the_recipe_are_refused_by_name(saved):
    path, _ = saved
    card = read_json(card_beside(path))
    write_json(card_beside(path), card | {"recipe_name": "vgg_bn"})
    with pytest.raises(ModelFileError, match=rf"{path}: cannot be loaded into vgg_bn"):
        TrainedModel.load(path)


def test_weights_of_an_older_architecture_are_refused_even_when_they_fit(saved):
    path, _ = saved
    card = read_json(card_beside(path))
    write_json(card_beside(path), card | {"architecture": "build_baseline_cnn(dropout=0.3)"})
    with pytest.raises(
        ModelFileError,
        match=rf"{path}: trained as build_baseline_cnn\(dropout=0.3\), but recipe "
        r"'baseline' now builds build_baseline_cnn\(\); retrain it",
    ):
        TrainedModel.load(path)


@pytest.mark.parametrize(
    "card_text, problem",
    [
        (None, "model card missing"),
        ("{ not json", "not a model card (not valid JSON"),
        ('{"model": "baseline"}', "not a model card of this project (no recipe_name or weights_sha256)"),
        ('{"recipe_name": "resnet", "weights_sha256": "SHA"}', "unknown model 'resnet'"),
    ],
)
def test_a_bad_card_is_refused_by_name(saved, card_text, problem):
    path, _ = saved
    card = card_beside(path)
    if card_text is None:
        card.unlink()
    else:
        card.write_text(card_text.replace("SHA", read_json(card)["weights_sha256"]))
    with pytest.raises(ModelFileError, match=re.escape(f"{card}: {problem}")):
        TrainedModel.load(path)


def test_a_file_that_is_not_a_weights_file_is_refused(tmp_path):
    path = tmp_path / "vgg_bn.keras"
    path.write_bytes(b"PK")
    with pytest.raises(
        ModelFileError, match=r"vgg_bn\.keras: not a weights file \(its name must end with \.weights\.h5\)"
    ):
        TrainedModel.load(path)


@pytest.mark.integration
def test_cli_reports_a_truncated_model_as_an_error(saved, capsys):
    path, _ = saved
    path.write_bytes(path.read_bytes()[:1000])
    assert main(["evaluate", "--path", str(path)]) == 1
    assert f"error: {path}: its SHA-256 differs" in capsys.readouterr().err


@pytest.mark.integration
@pytest.mark.parametrize("name", ["baseline", "vgg_bn", "fast_cnn"])
def test_committed_models_predict_what_their_records_say(real_splits, name):
    """The committed records were made from the committed weights, which predict them under every tested Keras version."""
    from fmnist.analysis.experiments import is_current, recorded_probs

    assert is_current(name), f"models/experiments/{name}.test_probs.npz is stale: run `make regenerate`"
    (_, _), (x_test, _) = real_splits
    subset = slice(0, 500)
    probs = TrainedModel.load(weights_path(name, MODELS_DIR)).predict(x_test[subset], ("plain",))
    expected = recorded_probs(name, "none")[subset]
    # Recorded on another CPU, perhaps under other versions: a near tie may tip the other way.
    assert np.mean(probs.argmax(axis=1) == expected.argmax(axis=1)) >= 0.99
    np.testing.assert_allclose(probs, expected, atol=0.02)
