"""Export a trained model for use outside Python and Keras: a SavedModel, a float32 TFLite file and a
full-integer (int8) TFLite file.

Each takes raw uint8 images (n, 28, 28) and returns class probabilities, with the scaling and the
recipe's view averaging inside (:func:`fmnist.inference.views.inference_model`), so it predicts as the
notebooks do. The conversion starts from the float32 weights (the converter has known problems with
mixed-precision models); the int8 file is calibrated on a representative set of training images.
Run the TFLite files with the LiteRT interpreter (``ai-edge-litert``): :func:`tflite_predictor`.
"""

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from fmnist.config import SEED
from fmnist.files import atomic_path

if TYPE_CHECKING:
    from fmnist.inference.trained_model import TrainedModel

#: Training images the int8 quantisation calibrates its ranges on.
REPRESENTATIVE_IMAGES = 500
SAVED_MODEL, FLOAT_TFLITE, INT8_TFLITE = "saved_model", "model_float32.tflite", "model_int8.tflite"


def export(model: "TrainedModel", out: Path, *, representative: np.ndarray | None = None) -> dict[str, Path]:
    """Write the SavedModel and both TFLite files of ``model`` into ``out``; return their paths.

    ``representative``: uint8 training images to calibrate the int8 file on (default: a seeded
    sample of :data:`REPRESENTATIVE_IMAGES` from the training set).
    """
    import tensorflow as tf

    inference = model.inference_model()
    if representative is None:
        representative = _representative_images()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    saved = out / SAVED_MODEL
    with tempfile.TemporaryDirectory(dir=out, prefix=".saved_model.") as scratch:  # replaced whole, or not at all
        staging = Path(scratch) / SAVED_MODEL
        inference.export(staging, verbose=False)
        shutil.rmtree(saved, ignore_errors=True)
        staging.rename(saved)

    def converter():
        return tf.lite.TFLiteConverter.from_saved_model(str(saved))

    float_converter = converter()
    int8_converter = converter()
    int8_converter.optimizations = [tf.lite.Optimize.DEFAULT]
    int8_converter.representative_dataset = lambda: ([image[None]] for image in representative)
    int8_converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    paths = {"saved_model": saved}
    for key, file_name, conv in (("float32", FLOAT_TFLITE, float_converter), ("int8", INT8_TFLITE, int8_converter)):
        with atomic_path(out / file_name) as tmp:
            tmp.write_bytes(conv.convert())
        paths[key] = out / file_name
    return paths


def tflite_predictor(path: Path, batch_size: int = 1000) -> Callable[[np.ndarray], np.ndarray]:
    """A function from uint8 images (n, 28, 28) to class probabilities, running the TFLite file ``path`` with LiteRT."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    scale, zero_point = out["quantization"]

    def predict(images: np.ndarray) -> np.ndarray:
        probs = []
        for start in range(0, len(images), batch_size):
            batch = np.asarray(images[start : start + batch_size], dtype=inp["dtype"])
            if tuple(interpreter.get_input_details()[0]["shape"]) != batch.shape:
                interpreter.resize_tensor_input(inp["index"], batch.shape)
                interpreter.allocate_tensors()
            interpreter.set_tensor(inp["index"], batch)
            interpreter.invoke()
            result = interpreter.get_tensor(out["index"]).astype(np.float32)
            probs.append((result - zero_point) * scale if scale else result)
        return np.concatenate(probs)

    return predict


def saved_model_predictor(path: Path) -> Callable[[np.ndarray], np.ndarray]:
    """A function from uint8 images (n, 28, 28) to class probabilities, running the SavedModel in ``path``."""
    import tensorflow as tf

    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    return lambda images: np.asarray(next(iter(serve(tf.constant(images, dtype=tf.uint8)).values())))


def _representative_images(size: int = REPRESENTATIVE_IMAGES) -> np.ndarray:
    from fmnist.data import load
    from fmnist.data.pipeline import stratified_subset

    (x_train, y_train), _ = load()
    return stratified_subset(x_train, y_train, size, SEED)[0]
