"""The tf.data pipeline and the validation split."""

import numpy as np
import pytest

from fmnist.data.pipeline import make_dataset, split_validation, stratified_subset


def _collect(ds):
    batches = list(ds.as_numpy_iterator())
    if isinstance(batches[0], tuple):
        return np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches]), batches
    return np.concatenate(batches), None, batches


def test_scales_to_unit_range_with_a_channel_axis(splits):
    images, labels = splits[0]
    x, y, batches = _collect(make_dataset(images, labels, batch_size=8))
    assert [len(b[0]) for b in batches] == [8, 8, 8, 6]
    assert x.dtype == np.float32 and x.shape == (30, 28, 28, 1)
    assert y.dtype == np.int32
    np.testing.assert_allclose(x[..., 0], images / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y, labels)
    assert x.min() >= 0.0 and x.max() <= 1.0


def test_images_only_for_prediction(splits):
    images, _ = splits[1]
    x, y, _ = _collect(make_dataset(images, batch_size=7))
    assert y is None
    np.testing.assert_allclose(x[..., 0], images / 255.0, rtol=1e-6)


def test_shuffle_keeps_pairs_and_repeats_with_the_seed(splits):
    images, labels = splits[0]
    first = _collect(make_dataset(images, labels, batch_size=8, shuffle=True, seed=3))
    again = _collect(make_dataset(images, labels, batch_size=8, shuffle=True, seed=3))
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[1], labels)  # the order did change
    # every image still carries its own label
    index = {images[i].tobytes(): labels[i] for i in range(len(images))}
    restored = (first[0][..., 0] * 255).round().astype(np.uint8)
    assert [index[img.tobytes()] for img in restored] == list(first[1])


def test_reshuffles_every_epoch(splits):
    images, labels = splits[0]
    ds = make_dataset(images, labels, batch_size=30, shuffle=True, seed=3)
    epoch1 = next(iter(ds))[1].numpy()
    epoch2 = next(iter(ds))[1].numpy()
    assert not np.array_equal(epoch1, epoch2)


def test_validation_split_is_stratified_and_disjoint():
    labels = np.repeat(np.arange(10, dtype=np.uint8), 100)
    images = np.arange(1000 * 784, dtype=np.uint32).reshape(1000, 28, 28)  # every image unique
    (x_train, y_train), (x_val, y_val) = split_validation(images, labels, fraction=0.1, seed=0)
    assert len(x_val) == 100 and len(x_train) == 900
    assert np.bincount(y_val).tolist() == [10] * 10
    assert not set(x_train[:, 0, 0]) & set(x_val[:, 0, 0])


def test_a_smaller_validation_split_lies_inside_the_projects_and_trains_on_the_rest():
    labels = np.repeat(np.arange(10, dtype=np.uint8), 100)
    images = np.arange(1000 * 784, dtype=np.uint32).reshape(1000, 28, 28)
    (_, _), (x_project, _) = split_validation(images, labels, seed=0)
    (x_train, y_train), (x_val, y_val) = split_validation(images, labels, fraction=0.03, seed=0)
    assert len(x_val) == 30 and len(x_train) == 970
    assert np.bincount(y_val).tolist() == [3] * 10
    assert set(x_val[:, 0, 0]) < set(x_project[:, 0, 0])
    assert sorted([*x_train[:, 0, 0], *x_val[:, 0, 0]]) == sorted(images[:, 0, 0])  # nothing lost or doubled
    np.testing.assert_array_equal(labels[x_train[:, 0, 0] // 784], y_train)  # each image keeps its label


def test_stratified_subset_keeps_each_class_share_and_pairs():
    labels = np.repeat(np.arange(10, dtype=np.uint8), 100)
    images = np.arange(1000 * 784, dtype=np.uint32).reshape(1000, 28, 28)
    x, y = stratified_subset(images, labels, 200, seed=0)
    assert np.bincount(y).tolist() == [20] * 10
    np.testing.assert_array_equal(labels[x[:, 0, 0] // 784], y)  # each image keeps its label
    for size in (None, 1000, 5000):
        assert stratified_subset(images, labels, size)[0] is images


@pytest.mark.parametrize("seed", [0, 1])
def test_validation_split_repeats_with_the_seed(seed):
    labels = np.repeat(np.arange(10, dtype=np.uint8), 20)
    images = np.arange(200 * 784, dtype=np.uint32).reshape(200, 28, 28)
    a = split_validation(images, labels, 0.2, seed)
    b = split_validation(images, labels, 0.2, seed)
    np.testing.assert_array_equal(a[1][0], b[1][0])


def _augmented_epoch(ds):
    return np.concatenate([x for x, _ in ds.as_numpy_iterator()])


def test_augmentation_repeats_with_the_seed_and_changes_every_epoch(splits):
    images, labels = splits[0]
    build = lambda: make_dataset(images, labels, batch_size=8, shuffle=True, shift=2, flip=True, seed=5)  # noqa: E731
    ds = build()
    first, second = _augmented_epoch(ds), _augmented_epoch(ds)
    np.testing.assert_array_equal(first, _augmented_epoch(build()))  # a rerun sees the same batches
    assert not np.array_equal(first, second)  # the next epoch is augmented afresh


@pytest.mark.parametrize("shift, flip", [(2, True), (2, False), (0, True)])
def test_augmentation_only_shifts_and_flips_as_asked(splits, shift, flip):
    images, labels = splits[0]
    x = _augmented_epoch(make_dataset(images, labels, batch_size=30, shift=shift, flip=flip))[..., 0]
    original = images / 255.0
    used = set()
    for augmented, source in zip(x, original):
        candidates = {}
        for mirrored, img in ((False, source), (True, source[:, ::-1])):
            padded = np.pad(img, 2)
            for dy in range(5):
                for dx in range(5):
                    candidates[(mirrored, dy - 2, dx - 2)] = padded[dy : dy + 28, dx : dx + 28]
        matches = {key for key, c in candidates.items() if np.allclose(augmented, c, atol=1e-6)}
        assert matches, "an augmented image is not a shift or mirror image of its source"
        used |= matches
    assert any(mirrored for mirrored, _, _ in used) == flip
    assert any(dy or dx for _, dy, dx in used) == bool(shift)


def test_corrupt_some_changes_that_share_of_the_images_and_repeats_with_the_seed():
    import tensorflow as tf

    from fmnist.data.augment import corrupt_some

    rng = np.random.default_rng(0)
    images = tf.constant(rng.uniform(0.2, 0.8, (400, 28, 28, 1)), tf.float32)
    seed = tf.constant([3, 4], tf.int64)
    corrupted = corrupt_some(images, seed, 0.5).numpy()
    np.testing.assert_array_equal(corrupted, corrupt_some(images, seed, 0.5).numpy())
    assert corrupted.min() >= 0.0 and corrupted.max() <= 1.0
    changed = np.any(corrupted != images.numpy(), axis=(1, 2, 3))
    assert 0.4 < changed.mean() < 0.6
    original = images.numpy()
    inverted = np.all(np.isclose(corrupted, 1 - original), axis=(1, 2, 3))
    patched = np.array(
        [0 < np.mean(c != o) < 0.26 and len(np.unique(c[c != o])) == 1 for c, o in zip(corrupted, original)]
    )
    flattened = np.isclose(corrupted.std(axis=(1, 2, 3)), 0, atol=1e-6) | (
        corrupted.std(axis=(1, 2, 3)) < original.std(axis=(1, 2, 3)) * 0.999
    )
    assert inverted.sum() > 10 and patched.sum() > 10 and (flattened & changed & ~inverted & ~patched).sum() > 10
    assert np.any(corrupt_some(images, seed, 1.0).numpy() != original, axis=(1, 2, 3)).all()  # share 1: every image


def test_corruption_leaves_the_shifts_and_flips_as_they_were(splits):
    images, labels = splits[0]
    plain, _, _ = _collect(make_dataset(images, labels, batch_size=30, shuffle=True, shift=2, flip=True, seed=5))
    corrupted, _, _ = _collect(
        make_dataset(images, labels, batch_size=30, shuffle=True, shift=2, flip=True, corrupt=0.5, seed=5)
    )
    same = np.all(plain == corrupted, axis=(1, 2, 3))
    assert 0 < same.sum() < len(same)  # the images not drawn are exactly as without corruption
