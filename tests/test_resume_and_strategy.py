"""Training survives kill -9 and resumes; the same code trains under MirroredStrategy."""

import subprocess
import sys
import time

import pytest

from fmnist.config import card_path, history_path, model_path
from fmnist.evaluate import load_model
from fmnist.files import read_json

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TRAIN = [sys.executable, "-m", "fmnist", "train", "--model", "baseline", "--train-size", "6000", "--epochs", "4"]


def test_killed_run_resumes_from_the_last_finished_epoch(tmp_path):
    models = tmp_path / "models"
    command = [*TRAIN, "--models-dir", str(models)]
    epoch_log = models / ".baseline.epochs.csv"
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if epoch_log.is_file() and len(epoch_log.read_text().splitlines()) >= 3:  # header + 2 epochs
            break
        time.sleep(0.05)
    process.kill()  # SIGKILL: no clean-up of any kind
    process.wait()
    assert not model_path("baseline", models).exists(), "killed too late: training had finished"
    finished = len(epoch_log.read_text().splitlines()) - 1
    assert finished >= 2

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"Resuming baseline from the backup of an interrupted run ({finished} epochs logged)" in rerun.stdout
    history = read_json(history_path("baseline", models))
    assert len(history["val_accuracy"]) == 4  # every epoch once, across both processes
    card = read_json(card_path("baseline", models))
    assert card["epochs"] == 4 and card["test_accuracy"] > 0.8  # uninterrupted: about 0.84
    assert load_model(model_path("baseline", models)).count_params() == card["parameters"]
    assert not list(models.glob(".*")), "backup and epoch log are removed once the model is saved"


def test_mirrored_strategy_on_two_logical_cpus(tmp_path):
    script = f"""
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from fmnist.distribute import make_strategy
from fmnist.train import train
strategy = make_strategy("mirrored")
assert strategy.num_replicas_in_sync == 2, strategy.num_replicas_in_sync
run = train("vgg_bn", epochs=1, train_size=1000, models_dir={str(tmp_path)!r}, strategy="mirrored", verbose=0)
print("replicas", strategy.num_replicas_in_sync, "accuracy", run.card["test_accuracy"])
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "replicas 2" in result.stdout
    assert model_path("vgg_bn", tmp_path).is_file()


def test_unknown_strategy_is_refused():
    from fmnist.distribute import make_strategy

    with pytest.raises(ValueError, match="unknown strategy 'gpus'; choose one of: auto, default, mirrored"):
        make_strategy("gpus")
