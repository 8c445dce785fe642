import pytest

from helpers import stratified_head, tiny_splits, write_csv_dir, write_idx_dir


@pytest.fixture
def splits():
    return tiny_splits()


@pytest.fixture
def idx_dir(tmp_path, splits):
    return write_idx_dir(tmp_path / "idx", splits)


@pytest.fixture
def csv_dir(tmp_path, splits):
    return write_csv_dir(tmp_path / "csv", splits)


@pytest.fixture(scope="session")
def real_source():
    """The real data, as ``make data`` provides it; a missing dataset fails, it never skips."""
    from fmnist.data import locate

    return locate()


@pytest.fixture(scope="session")
def real_splits(real_source):
    return real_source.read()


@pytest.fixture(scope="session")
def small_real_dir(tmp_path_factory, real_splits):
    """IDX files of 2,000 real training and 500 real test images, 10% of each class each.

    Training tests use it: real images, at a cost that does not grow with the test set.
    """
    (x_train, y_train), (x_test, y_test) = real_splits
    small = (stratified_head(x_train, y_train, 200), stratified_head(x_test, y_test, 50))
    return write_idx_dir(tmp_path_factory.mktemp("small-real"), small)
