"""Inference speed of a trained model and of its exported files: throughput on the test set, one-image latency."""

import time
from pathlib import Path

import numpy as np

LATENCY_CALLS = 200
THROUGHPUT_REPEATS = 3


def inference_speed(name: str, models_dir: Path, x_test: np.ndarray) -> dict:
    """Median batch throughput on the test set, and median latency of one image, through the inference model."""
    import tensorflow as tf

    from fmnist.inference.trained_model import TrainedModel
    from fmnist.inference.views import PREDICT_BATCH_SIZE

    model = TrainedModel.saved(name, models_dir).inference_model()
    model.predict(x_test[:2048], batch_size=PREDICT_BATCH_SIZE, verbose=0)  # warm-up: tracing, thread pools
    durations = []
    for _ in range(THROUGHPUT_REPEATS):
        start = time.perf_counter()
        model.predict(x_test, batch_size=PREDICT_BATCH_SIZE, verbose=0)
        durations.append(time.perf_counter() - start)
    one = tf.constant(x_test[:1])
    serve = tf.function(lambda images: model(images, training=False))  # traced once, as an exported model is
    serve(one)
    latencies = []
    for _ in range(LATENCY_CALLS):
        start = time.perf_counter()
        serve(one).numpy()
        latencies.append(time.perf_counter() - start)
    return {
        "images_per_second": len(x_test) / float(np.median(durations)),
        "latency_ms": 1000 * float(np.median(latencies)),
    }


def export_speed(name: str, models_dir: Path, x_test: np.ndarray, y_test: np.ndarray) -> list[dict]:
    """File size, test accuracy, batch throughput and one-image latency of each exported format."""
    from fmnist.inference.export import saved_model_predictor, tflite_predictor
    from fmnist.inference.trained_model import TrainedModel

    paths = TrainedModel.saved(name, models_dir).export(models_dir / "exported")
    rows = []
    for kind, load in (
        ("saved_model", saved_model_predictor),
        ("float32", tflite_predictor),
        ("int8", tflite_predictor),
    ):
        path = paths[kind]
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else path.stat().st_size
        run = load(path)
        run(x_test[:1])  # warm-up
        start = time.perf_counter()
        probs = run(x_test)
        batch_seconds = time.perf_counter() - start
        latencies = []
        for _ in range(LATENCY_CALLS):
            start = time.perf_counter()
            run(x_test[:1])
            latencies.append(time.perf_counter() - start)
        rows.append(
            {
                "format": kind,
                "bytes": size,
                "test_accuracy": float(np.mean(probs.argmax(axis=1) == y_test)),
                "images_per_second": len(x_test) / batch_seconds,
                "latency_ms": 1000 * float(np.median(latencies)),
            }
        )
    return rows
