import pytest
from helpers import tiny_splits, write_csv_dir, write_idx_dir


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
