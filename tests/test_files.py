"""Atomic writes: readers see the old file or the whole new one, never a part."""

import os

import pytest

from fmnist.files import atomic_path, read_json, unused_stem, write_json


def test_replaces_the_file_when_the_block_succeeds(tmp_path):
    path = tmp_path / "card.json"
    write_json(path, {"accuracy": 0.5})
    write_json(path, {"accuracy": 0.9})
    assert read_json(path) == {"accuracy": 0.9}
    assert [p.name for p in tmp_path.iterdir()] == ["card.json"]


def test_interrupted_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "model.weights.h5"
    path.write_bytes(b"old model")
    with pytest.raises(KeyboardInterrupt), atomic_path(path) as tmp:
        assert tmp.name.endswith(".weights.h5") and tmp.parent == tmp_path  # Keras insists on it
        tmp.write_bytes(b"half a new mod")
        raise KeyboardInterrupt
    assert path.read_bytes() == b"old model"
    assert [p.name for p in tmp_path.iterdir()] == ["model.weights.h5"]


def test_new_file_gets_the_usual_permissions(tmp_path):
    """Like open(): 0666 less the umask, not mkstemp's private 0600."""
    umask = os.umask(0o022)
    try:
        path = tmp_path / "sub" / "history.json"
        write_json(path, [1, 2])
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644


def test_unused_stem_never_names_an_existing_file(tmp_path):
    assert unused_stem(tmp_path, "2026-11-26-box", ".md") == "2026-11-26-box"
    (tmp_path / "2026-11-26-box.md").write_text("first")
    (tmp_path / "2026-11-26-box-run2.md").write_text("second")
    assert unused_stem(tmp_path, "2026-11-26-box", ".md") == "2026-11-26-box-run3"
    assert unused_stem(tmp_path, "2026-11-26-box", ".json") == "2026-11-26-box"
