"""The moving average of the weights: what it computes, that validation scores it, that a resumed run keeps it;
and the validation halfway through an epoch, which must leave training untouched."""

import keras
import numpy as np
import pytest

from fmnist.training.callbacks import ValidateHalfway
from fmnist.training.resume import fit_resumably
from fmnist.training.weight_average import WeightAverage

pytestmark = pytest.mark.integration


def tiny_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(8),
            keras.layers.BatchNormalization(momentum=0.5),  # moving statistics are averaged too
            keras.layers.ReLU(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def tiny_data(n=96):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 6)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64") + (x[:, 1] > 1)


class RecordWeights(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.after_each_step = []

    def on_train_batch_end(self, batch, logs=None):
        self.after_each_step.append([w.numpy() for w in self.model.weights])


def test_the_trained_model_holds_the_moving_average_of_every_weight(tmp_path):
    model = tiny_model()
    x, y = tiny_data()
    start = [w.numpy() for w in model.weights]
    record = RecordWeights()
    model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0, callbacks=[WeightAverage(0.9, tmp_path), record])

    average = start
    for step, weights in enumerate(record.after_each_step, start=1):
        momentum = min(0.9, (1 + step) / (10 + step))
        average = [momentum * a + (1 - momentum) * w for a, w in zip(average, weights)]
    for kept, expected in zip(model.weights, average):
        np.testing.assert_allclose(kept.numpy(), expected, rtol=1e-5, atol=1e-6)
    assert not all(np.allclose(a, b) for a, b in zip(average, record.after_each_step[-1])), "nothing was averaged"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["weight-average-1.npz", "weight-average-2.npz"]


def test_validation_scores_the_average(tmp_path):
    model = tiny_model()
    x, y = tiny_data()
    history = model.fit(
        x, y, batch_size=16, epochs=1, validation_data=(x, y), verbose=0, callbacks=[WeightAverage(0.9, tmp_path)]
    )
    # After training the model holds the average: scoring it again gives what validation logged.
    assert model.evaluate(x, y, verbose=0, return_dict=True)["loss"] == pytest.approx(
        history.history["val_loss"][0], rel=1e-5
    )


class Interrupt(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 2:
            raise KeyboardInterrupt


class RecordAverageAtStart(keras.callbacks.Callback):
    def __init__(self, average):
        super().__init__()
        self.average = average

    def on_epoch_begin(self, epoch, logs=None):
        self.start_epoch = epoch
        self.loaded = [a.numpy() for a in self.average.averages]


def test_a_resumed_run_continues_the_average_it_was_interrupted_with(tmp_path):
    x, y = tiny_data()
    fit_args = {"x": x, "y": y, "batch_size": 16, "epochs": 3, "shuffle": False, "verbose": 0}
    first = []

    def interrupted(backup_dir):
        first.append(WeightAverage(0.9, backup_dir))
        return [first[0], Interrupt()]

    with pytest.raises(KeyboardInterrupt):
        fit_resumably(tiny_model(), "tiny", tmp_path, fit_args, interrupted)
    at_interruption = [a.numpy() for a in first[0].averages]

    second = []

    def resumed(backup_dir):
        second.append(WeightAverage(0.9, backup_dir))
        second.append(RecordAverageAtStart(second[0]))
        return second

    history = fit_resumably(tiny_model(), "tiny", tmp_path, fit_args, resumed)
    assert len(history["loss"]) == 3 and second[1].start_epoch == 2
    for loaded, saved in zip(second[1].loaded, at_interruption):
        np.testing.assert_array_equal(loaded, saved)


def test_validating_halfway_leaves_training_untouched(tmp_path):
    x, y = tiny_data()
    runs = []
    for halfway in (False, True):
        model = tiny_model()
        callbacks = [ValidateHalfway(x, y, steps_per_epoch=6)] if halfway else []
        runs.append(model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0, callbacks=callbacks).history)
    plain, with_halfway = runs
    assert with_halfway["loss"] == plain["loss"] and with_halfway["accuracy"] == plain["accuracy"]
    assert len(with_halfway["halfway_val_accuracy"]) == 2
    assert all(0 <= accuracy <= 1 for accuracy in with_halfway["halfway_val_accuracy"])
