"""The photo chooser of 06_predict: uploads when there are any, the samples otherwise."""

from types import SimpleNamespace

from fmnist.analysis.notebook_ui import chosen_photos


def test_without_uploads_the_samples_are_used(tmp_path):
    samples = [tmp_path / "a.jpg"]
    assert chosen_photos(None, samples, tmp_path / "uploads") == samples
    assert chosen_photos(SimpleNamespace(value=()), samples, tmp_path / "uploads") == samples
    assert chosen_photos([], samples, tmp_path / "uploads") == samples


def test_widget_uploads_are_written_and_returned(tmp_path):
    widget = SimpleNamespace(value=({"name": "../my coat.png", "content": memoryview(b"png bytes")},))
    paths = chosen_photos(widget, [], tmp_path / "uploads")
    assert paths == [tmp_path / "uploads" / "my coat.png"] and paths[0].read_bytes() == b"png bytes"


def test_colab_uploads_are_returned_as_they_are(tmp_path):
    uploaded = [tmp_path / "shoe.jpg"]
    assert chosen_photos(uploaded, [tmp_path / "a.jpg"], tmp_path) == uploaded
