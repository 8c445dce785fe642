"""Accuracy per render condition: every condition of the split, on the same images, against the dataset's."""

import numpy as np
import pytest

from fmnist.analysis import renders
from fmnist.analysis.render_accuracy import accuracy_on_renders, images_for, seen_through_photos
from fmnist.inference.trained_model import TrainedModel
from fmnist.training.builders import build_baseline_cnn


def test_one_row_per_condition_on_the_same_images_beside_the_dataset_images(real_splits, monkeypatch):
    monkeypatch.setattr(renders, "HELD_OUT", {name: renders.HELD_OUT[name] for name in ("plain", "soft shadow")})
    _, (images, labels) = real_splits
    table = accuracy_on_renders(TrainedModel(build_baseline_cnn(), "baseline"), images, labels, count=8)
    assert list(table.index) == ["plain", "soft shadow"] and (table["no item found"] == 0).all()
    assert table["accuracy"].between(0, 1).all()
    as_is = table.attrs["as in the dataset"]
    np.testing.assert_allclose(table["points below the dataset's images"], 100 * (as_is - table["accuracy"]))


def test_the_renders_are_seeded_by_index_so_the_held_out_and_tuning_photos_differ(real_splits):
    _, (images, labels) = real_splits
    held_out, _ = seen_through_photos(images, labels, [3, 4], renders.Condition())
    again, _ = seen_through_photos(images, labels, [3, 4], renders.Condition())
    tuning, _ = seen_through_photos(images, labels, [3, 4], renders.Condition(), renders.TUNING_SEED_OFFSET)
    assert np.array_equal(held_out, again) and not np.array_equal(held_out, tuning)


def test_the_tuning_split_is_the_validation_images_and_a_wrong_name_is_refused(real_splits):
    train, test = real_splits
    assert images_for("held out", train, test) is test
    assert len(images_for("tuning", train, test)[0]) == len(train[0]) // 10
    with pytest.raises(ValueError, match="unknown split 'test'"):
        images_for("test", train, test)
