"""Training end to end on a small real subset: saved files, model card, repeatability, CLI."""

import subprocess
import sys

import numpy as np
import pytest

from fmnist.cli import main
from fmnist.config import card_path, history_path, weights_path
from fmnist.data import load
from fmnist.files import read_json
from fmnist.inference.model_files import sha256
from fmnist.inference.trained_model import TrainedModel
from fmnist.runtime import fast_precision, has_gpu
from fmnist.training.recipes import DEFAULT_MODEL, get_recipe
from fmnist.training.train import recipe_dataset, train

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def fmnist_cli(*args):
    return subprocess.run([sys.executable, "-m", "fmnist", *args], capture_output=True, text=True, timeout=300)


def test_cli_trains_then_evaluates_the_saved_model(tmp_path, small_real_dir, capsys):
    data = ("--data", str(small_real_dir))
    trained = fmnist_cli("train", "--model", "baseline", "--epochs", "1", *data, "--models-dir", str(tmp_path))
    assert trained.returncode == 0, trained.stderr
    assert "29/29 - " in trained.stdout  # one progress line per epoch: 1800 images / 64 per batch
    assert "Trained baseline" in trained.stdout

    card = read_json(card_path("baseline", tmp_path))
    assert card["examples"] == {"train": 1800, "validation": 200, "test": 500}
    assert card["epochs"] == 1
    assert list(card["per_class_recall"]) == [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]
    assert card["test_accuracy"] > 0.5  # far above chance (0.1): images and labels line up
    assert len(card["data"]["sha256"]) == 64
    history = read_json(history_path("baseline", tmp_path))
    assert {"accuracy", "loss", "val_accuracy", "val_loss", "epoch_seconds"} <= set(history)
    assert len(history["val_accuracy"]) == 1
    assert card["training_seconds"] == pytest.approx(history["epoch_seconds"][0], abs=0.1)

    assert main(["evaluate", "--model", "baseline", *data, "--models-dir", str(tmp_path)]) == 0  # in process
    evaluated = capsys.readouterr().out
    assert f"test accuracy {card['test_accuracy']:.4f} on 500 images" in evaluated
    assert "Shirt" in evaluated and "macro avg" in evaluated


@pytest.mark.parametrize("name", ["baseline", DEFAULT_MODEL])
def test_same_seed_same_model(tmp_path, small_real_dir, name):
    runs = [
        train(name, epochs=1, train_size=500, source=small_real_dir, models_dir=tmp_path / run, verbose=0)
        for run in ("a", "b")
    ]
    assert runs[0].card["test_accuracy"] == runs[1].card["test_accuracy"]
    weights = [TrainedModel.load(weights_path(name, tmp_path / run)).network.get_weights() for run in ("a", "b")]
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)
    assert not list((tmp_path / "a").glob(".*"))  # no backup or epoch log left behind


def test_retraining_to_the_same_weights_leaves_the_files_as_they_are(tmp_path, small_real_dir):
    """An unchanged model adds nothing to history: weights, card and history stay byte for byte."""
    first = train("baseline", epochs=1, train_size=500, source=small_real_dir, models_dir=tmp_path, verbose=0)
    files = {path.name: path.read_bytes() for path in tmp_path.glob("baseline.*")}
    assert set(files) == {"baseline.weights.h5", "baseline.card.json", "baseline.history.json"}
    again = train("baseline", epochs=1, train_size=500, source=small_real_dir, models_dir=tmp_path, verbose=0)
    assert {path.name: path.read_bytes() for path in tmp_path.glob("baseline.*")} == files
    assert again.card == first.card
    train("baseline", epochs=1, train_size=500, seed=7, source=small_real_dir, models_dir=tmp_path, verbose=0)
    assert weights_path("baseline", tmp_path).read_bytes() != files["baseline.weights.h5"]  # other weights are saved


def test_default_recipe_card(tmp_path, small_real_dir):
    run = train(epochs=1, train_size=500, source=small_real_dir, models_dir=tmp_path, test_curves=True, verbose=0)
    card = run.card
    assert card["model"] == DEFAULT_MODEL
    assert card["architecture"] == (
        "build_vgg_bn(widths=(24, 40, 80), convs_per_stage=1, dropout=0.0, bn_momentum=0.9, stride_first_conv=True)"
    )
    assert (
        card["recipe"]["flip_tta"]
        and card["recipe"]["shift_tta"]
        and card["recipe"]["shift"]
        and card["recipe"]["flip"]
    )
    assert card["recipe"]["weight_average"] == 0.99 and len(run.history["halfway_val_accuracy"]) == 1
    assert card["recipe"]["whitening_start"]
    # The model ends holding the moving average, and the test curve scored that average too.
    (_, _), (x_test, y_test) = load(small_real_dir)
    test_data = recipe_dataset(get_recipe(DEFAULT_MODEL), x_test, y_test, training=False, seed=0, batch_size=1024)
    assert run.model.evaluate(test_data, verbose=0, return_dict=True)["loss"] == pytest.approx(
        run.history["test_loss"][-1], rel=1e-5
    )
    assert (card["precision"], card["xla"]) == (fast_precision(), has_gpu())  # what this device does best
    assert card["weights_sha256"] == sha256(weights_path(DEFAULT_MODEL, tmp_path))


def test_gpu_settings_train_and_save_on_a_cpu(tmp_path, small_real_dir):
    """The default recipe as a GPU runs it (Colab's T4: mixed float16, XLA), here on the CPU."""
    run = train(gpu=True, epochs=1, train_size=600, source=small_real_dir, models_dir=tmp_path, verbose=0)
    assert (run.card["precision"], run.card["xla"]) == ("mixed_float16", True)
    assert run.model.layers[1].compute_dtype == "float16"
    assert np.isfinite(run.history["loss"]).all() and np.isfinite(run.history["val_loss"]).all()
    images = load(small_real_dir)[1][0][:64, :, :, None] / 255
    loaded = TrainedModel.load(weights_path(DEFAULT_MODEL, tmp_path)).network  # rebuilt in float32
    np.testing.assert_allclose(loaded.predict(images, verbose=0), run.model.predict(images, verbose=0), atol=2e-3)


def test_variant_recipes_change_one_thing_each():
    from fmnist.training.recipes import RECIPES, describe

    default = RECIPES["vgg_bn"]
    assert describe(RECIPES["vgg_bn_deep"].build) == "build_vgg_bn(convs_per_stage=3)"
    assert (RECIPES["vgg_bn_no_flip"].flip, RECIPES["vgg_bn_no_flip"].shift) == (False, default.shift)
    assert (RECIPES["vgg_bn_no_shift"].flip, RECIPES["vgg_bn_no_shift"].shift) == (True, 0)
    assert RECIPES["vgg_bn_no_augment"].epochs == default.epochs and RECIPES["vgg_bn_no_augment"].flip_tta


def test_test_curves_end_at_the_reported_accuracy(tmp_path, small_real_dir):
    run = train(
        "baseline", epochs=2, source=small_real_dir, test_size=200, models_dir=tmp_path, test_curves=True, verbose=0
    )
    assert run.card["examples"]["test"] == 200
    assert len(run.history["test_accuracy"]) == 2
    assert run.history["test_accuracy"][-1] == pytest.approx(run.card["test_accuracy"], abs=1e-6)


def test_cli_reports_bad_data_without_a_traceback(tmp_path):
    result = fmnist_cli("data", "--data", str(tmp_path))
    assert result.returncode == 1
    assert f"error: {tmp_path}: the given directory holds no Fashion-MNIST files" in result.stderr.splitlines()[-1]
    assert "Traceback" not in result.stderr


def test_cli_rejects_an_unknown_model(tmp_path, capsys):
    assert main(["train", "--model", "resnet9000", "--models-dir", str(tmp_path)]) == 1  # in process: no start-up
    assert "error: unknown model 'resnet9000'; choose one of: baseline, vgg_bn" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_cli_evaluate_without_a_model(tmp_path, capsys):
    assert main(["evaluate", "--models-dir", str(tmp_path)]) == 1
    assert "no saved model; train one first" in capsys.readouterr().err


def test_cli_data_summary():
    result = fmnist_cli("data")
    assert result.returncode == 0, result.stderr
    assert "train: images (60000, 28, 28) uint8, labels per class [6000, 6000" in result.stdout


def test_a_fractional_warm_up_rises_to_the_peak_then_decays_to_zero():
    from dataclasses import replace

    from fmnist.training.recipes import RECIPES
    from fmnist.training.train import _optimizer

    optimizer = _optimizer(replace(RECIPES[DEFAULT_MODEL], warmup_epochs=0.5, learning_rate=0.01), 100, 10)

    def rate_at(step):
        optimizer.iterations.assign(step)
        return float(optimizer.learning_rate)

    assert rate_at(0) == 0.0 and rate_at(25) == pytest.approx(0.005)  # half-way up a 50-step warm-up
    assert rate_at(50) == pytest.approx(0.01)
    assert rate_at(525) == pytest.approx(0.005, rel=1e-3)  # half-way down the remaining 950 steps
    assert rate_at(1000) == pytest.approx(0.0, abs=1e-9)


def test_the_precision_can_be_forced_to_float32_and_a_wrong_one_is_named(monkeypatch):
    monkeypatch.setenv("FMNIST_PRECISION", "float32")
    assert fast_precision(gpu=True) == "float32"
    monkeypatch.setenv("FMNIST_PRECISION", "float64")
    with pytest.raises(ValueError, match="FMNIST_PRECISION='float64': one of float32, mixed_bfloat16, mixed_float16"):
        fast_precision()
