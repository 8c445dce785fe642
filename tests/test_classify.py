"""`fmnist predict`: files, folders and CSVs in; a table, CSV or JSON out; bad files named and skipped."""

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from fmnist.cli import main
from fmnist.data.csv import HEADER
from fmnist.inference.classify import gather, render, top_k
from fmnist.inference.model_files import save_weights
from fmnist.training.builders import build_baseline_cnn


@pytest.fixture
def model_path(tmp_path):
    """A saved (untrained) baseline with its card: the CLI's model file."""
    from fmnist.config import card_path, weights_path
    from fmnist.files import write_json

    path = weights_path("baseline", tmp_path / "models")
    sha = save_weights(build_baseline_cnn(), "baseline", path)
    write_json(card_path("baseline", tmp_path / "models"), {"recipe_name": "baseline", "weights_sha256": sha})
    return path


@pytest.fixture
def inputs(tmp_path, splits):
    (images, labels), _ = splits
    images = images.copy()
    for edge in (slice(0, 4), slice(-4, None)):  # the dataset's dark background
        images[:, edge] = 0
        images[:, :, edge] = 0
    folder = tmp_path / "photos" / "nested"
    folder.mkdir(parents=True)
    for i in range(3):
        Image.fromarray(images[i]).save(folder / f"item{i}.png")
    (tmp_path / "photos" / "notes.txt").write_text("not an image, and not looked at")
    (tmp_path / "broken.jpg").write_bytes(b"")
    with_labels = tmp_path / "labelled.csv"
    pd.DataFrame(np.column_stack([labels[:2], images[:2].reshape(2, -1)]), columns=HEADER).to_csv(
        with_labels, index=False
    )
    without_labels = tmp_path / "unlabelled.csv"
    pd.DataFrame(images[:2].reshape(2, -1), columns=HEADER[1:]).to_csv(without_labels, index=False)
    return tmp_path, images


def test_gather_reads_folders_images_and_csvs_and_names_the_failures(inputs):
    root, images = inputs
    found = gather([root / "photos", root / "labelled.csv", root / "unlabelled.csv", root / "broken.jpg"])
    assert found.names[:3] == [str(root / "photos" / "nested" / f"item{i}.png") for i in range(3)]
    assert found.names[3:] == [
        f"{root / 'labelled.csv'}:2",
        f"{root / 'labelled.csv'}:3",
        f"{root / 'unlabelled.csv'}:2",
        f"{root / 'unlabelled.csv'}:3",
    ]
    np.testing.assert_array_equal(np.stack(found.images), np.concatenate([images[:3], images[:2], images[:2]]))
    assert found.failures == [f"{root / 'broken.jpg'}: empty file"]


def test_top_k_and_every_format():
    probs = np.zeros((2, 10))
    probs[0, [9, 7, 5]] = [0.7, 0.2, 0.1]
    probs[1, [0, 6]] = [0.55, 0.45]
    ranked = top_k(probs, 2)
    assert ranked[0] == [("Ankle boot", 0.7), ("Sneaker", 0.2)]
    rows = list(csv.reader(io.StringIO(render(["a.png", "b.png"], ranked, "csv"))))
    assert rows[0] == ["path", "label", "probability", "label_2", "probability_2"]
    assert rows[2] == ["b.png", "T-shirt/top", "0.550000", "Shirt", "0.450000"]
    assert json.loads(render(["a.png", "b.png"], ranked, "json"))[0]["predictions"][1] == {
        "label": "Sneaker",
        "probability": 0.2,
    }
    assert render(["a.png"], ranked[:1], "table").splitlines()[1] == "a.png  Ankle boot 70.0%, Sneaker 20.0%"


def test_the_command_predicts_the_usable_files_and_exits_1_for_the_rest(inputs, model_path, capsys):
    root, _ = inputs
    status = main(
        [
            "predict",
            str(root / "photos"),
            str(root / "broken.jpg"),
            "--path",
            str(model_path),
            "--format",
            "csv",
            "--top-k",
            "3",
        ]
    )
    out, err = capsys.readouterr()
    rows = list(csv.reader(io.StringIO(out)))
    assert status == 1 and len(rows) == 4 and len(rows[0]) == 7
    assert err.strip() == f"error: {root / 'broken.jpg'}: empty file"


def test_the_command_exits_0_when_all_files_are_used(inputs, model_path, capsys):
    root, _ = inputs
    assert main(["predict", str(root / "unlabelled.csv"), "--path", str(model_path), "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2


def test_a_missing_model_and_bad_usage(inputs, tmp_path, capsys):
    root, _ = inputs
    assert main(["predict", str(root / "photos"), "--path", str(tmp_path / "none.weights.h5")]) == 1
    assert "none.weights.h5: no saved model" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["predict", str(root / "photos"), "--top-k", "11"])
    assert usage.value.code == 2


def _photo_of(image, path, background=235, size=(250, 200), at=(60, 40), side=120):
    """``image`` rendered dark on a light background at ``at``, ``side`` pixels wide, saved as ``path``."""
    item = np.asarray(Image.fromarray(image).resize((side, side), Image.Resampling.BICUBIC), float) / 255
    frame = np.full(size[::-1], float(background))
    frame[at[1] : at[1] + side, at[0] : at[0] + side] = background * (1 - item) + 60 * item
    Image.fromarray(np.uint8(frame)).save(path)
    return path


def test_json_says_where_each_photos_item_was_found_and_csv_rows_have_none(inputs, model_path, splits, capsys):
    root, _ = inputs
    (images, _), _ = splits
    photo = _photo_of(images[1], root / "photo.png", at=(80, 50), side=100)  # a pullover: fills its square
    assert (
        main(["predict", str(photo), str(root / "unlabelled.csv"), "--path", str(model_path), "--format", "json"]) == 0
    )
    rows = json.loads(capsys.readouterr().out)
    box = rows[0]["box"]
    assert abs(box["left"] - 80) <= 8 and abs(box["top"] - 50) <= 8 and 85 <= box["width"] <= 108
    assert rows[1]["box"] is None and rows[2]["box"] is None


def test_save_inputs_writes_the_images_the_model_saw(inputs, model_path, splits, tmp_path, capsys):
    root, in_csv = inputs
    (images, _), _ = splits
    photo = _photo_of(images[1], root / "photo.png")
    out = tmp_path / "seen"
    assert (
        main(["predict", str(photo), str(root / "labelled.csv"), "--path", str(model_path), "--save-inputs", str(out)])
        == 0
    )
    written = sorted(out.iterdir())
    assert [p.name for p in written] == sorted(
        [
            f"{str(photo).strip('/').replace('/', '_')}.png",
            f"{str(root / 'labelled.csv').strip('/').replace('/', '_')}_2.png",
            f"{str(root / 'labelled.csv').strip('/').replace('/', '_')}_3.png",
        ]
    )
    seen = {p.name: np.asarray(Image.open(p)) for p in written}
    np.testing.assert_array_equal(seen[written[0].name], in_csv[0])  # the CSV's first row, as it is
    assert all(image.shape == (28, 28) and image.dtype == np.uint8 for image in seen.values())
    assert "wrote the 3 images the model saw" in capsys.readouterr().err


def test_a_photo_with_only_a_sliver_of_item_gets_a_warning_and_a_blank_one_an_error(inputs, model_path, splits, capsys):
    root, _ = inputs
    (images, _), _ = splits
    sliver = _photo_of(images[1], root / "far.png", size=(1000, 800), at=(400, 300), side=60)
    blank = root / "blank.png"
    Image.fromarray(np.full((200, 250), 235, np.uint8)).save(blank)
    assert main(["predict", str(sliver), str(blank), "--path", str(model_path)]) == 1
    out, err = capsys.readouterr()
    assert f"error: {blank}: no item stands out from the background" in err
    assert f"warning: {sliver}: the item found fills only" in err and "crop closer to it" in err
    assert str(sliver) in out and str(blank) not in out  # the sliver still classified, the blank not
