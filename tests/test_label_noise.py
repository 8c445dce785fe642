"""Out-of-fold scoring and confident-learning flags for likely label errors."""

import numpy as np
import pandas as pd
import pytest

from fmnist.analysis.label_noise import (
    error_signals,
    flagged,
    flagged_share,
    is_current,
    load_probs,
    out_of_fold_probs,
    ranked_suspects,
    save_probs,
    suspects_of_splits,
    write_suspects,
)
from fmnist.inference.trained_model import TrainedModel


def _probs(labels, confidence=0.9):
    probs = np.full((len(labels), 10), (1 - confidence) / 9)
    probs[np.arange(len(labels)), labels] = confidence
    return probs


def test_a_confidently_contradicted_label_is_flagged_and_ranked_first():
    labels = np.tile(np.arange(10), 20)
    probs = _probs(labels)
    probs[5] = _probs(np.array([3]))[0]  # labelled 5, the model is sure it is a 3
    probs[17] = _probs(np.array([2]), confidence=0.95)[0]  # labelled 7, even surer it is a 2
    probs[27] = _probs(np.array([2]), confidence=0.6)[0]  # less sure than usual for a 2: not flagged
    probs[8] = np.full(10, 0.1)  # no idea: nothing above any class's threshold, not flagged
    mask = flagged(probs, labels)
    assert np.flatnonzero(mask).tolist() == [5, 17]
    table = ranked_suspects(probs, labels, "train")
    assert table["index"].tolist() == [17, 5]  # lowest probability of the given label first
    assert table.loc[1, ["given_label", "predicted_label"]].tolist() == ["Sandal", "Dress"]
    assert (table["split"] == "train").all()


def test_suspects_csv_is_ranked_from_one(tmp_path):
    labels = np.tile(np.arange(10), 5)
    probs = _probs(labels)
    probs[[4, 9]] = _probs(np.array([0, 1]))
    path = tmp_path / "assets" / "suspected_label_errors.csv"
    write_suspects(path, ranked_suspects(probs, labels, "test"))
    written = pd.read_csv(path)
    assert written.columns.tolist() == [
        "rank",
        "split",
        "index",
        "given_label",
        "predicted_label",
        "p_given",
        "p_predicted",
    ]
    assert written["rank"].tolist() == [1, 2] and sorted(written["index"]) == [4, 9]
    assert not [p for p in path.parent.iterdir() if p != path]  # no temporary file left


def test_suspects_of_every_split_are_ranked_together_and_counted_per_split():
    sure = np.eye(10)[[0, 1, 2, 3]] * 0.9 + 0.01
    doubtful = np.eye(10)[[5, 1, 5, 5]] * 0.9 + 0.01  # image 0 is labelled 0 but looks like the 5s
    suspects = suspects_of_splits({"train": (doubtful, np.array([0, 1, 5, 5])), "test": (sure, np.array([0, 1, 2, 3]))})
    assert list(suspects["split"]) == ["train"] and suspects.loc[0, "index"] == 0
    shares = flagged_share(suspects, {"train": 4, "test": 4})
    assert shares["flagged images"].tolist() == [1, 0] and shares.loc["train", "share"] == 0.25


def test_error_signals_count_flagged_and_shared_mistakes():
    labels = np.array([0, 0, 1, 1])
    probs = np.eye(10)[[1, 0, 0, 1]] * 0.9 + 0.01  # wrong on images 0 and 2
    other = np.array([1, 0, 1, 1])  # another seed repeats only the mistake on image 0
    table = error_signals(probs, labels, [probs.argmax(axis=1), other])
    assert table["test errors"].tolist()[0] == 2 and table.loc["all 2 seeds make the same mistake", "test errors"] == 1
    assert table.loc["all", "share"] == 1.0


def test_probs_file_round_trip_and_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="run `fmnist out-of-fold`"):
        load_probs(tmp_path / "missing.npz")
    probs = np.random.default_rng(0).dirichlet(np.ones(10), size=7).astype(np.float32)
    save_probs(tmp_path / "oof.npz", probs)
    np.testing.assert_allclose(load_probs(tmp_path / "oof.npz"), probs, atol=1e-3)  # kept in float16
    assert is_current(tmp_path / "oof.npz") and not is_current(tmp_path / "missing.npz")
    save_probs(tmp_path / "other.npz", probs, recipe="vgg_bn")
    assert not is_current(tmp_path / "other.npz")  # made by another recipe than the baseline's folds


@pytest.mark.slow
def test_out_of_fold_scores_every_image_with_a_model_that_did_not_see_it(monkeypatch):
    import fmnist.training.train
    from helpers import tiny_splits

    (images, labels), _ = tiny_splits(n_train=60)
    trained_on, scored = [], []
    real_dataset, real_predict = fmnist.training.train.recipe_dataset, TrainedModel.predict

    def recording_dataset(recipe, x, y, **kwargs):
        trained_on.append({row.tobytes() for row in x})
        return real_dataset(recipe, x, y, **kwargs)

    def recording_predict(model, x, views=None):
        scored.append({row.tobytes() for row in x})
        return real_predict(model, x, views)

    monkeypatch.setattr(fmnist.training.train, "recipe_dataset", recording_dataset)
    monkeypatch.setattr(TrainedModel, "predict", recording_predict)
    probs = out_of_fold_probs(images, labels, folds=3, epochs=1)
    assert probs.shape == (60, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert len(scored) == 3 and sum(map(len, scored)) == 60  # every image scored exactly once
    assert set().union(*scored) == {row.tobytes() for row in images}
    for train_set, score_set in zip(trained_on, scored):
        assert len(train_set) == 40 and not train_set & score_set  # by a model that never trained on it
