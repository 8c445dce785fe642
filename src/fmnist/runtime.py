"""Start TensorFlow without its C++ start-up chatter, and say which devices it found."""

import os
import sys
from contextlib import contextmanager


@contextmanager
def _stderr_silenced():
    """Point file descriptor 2 at /dev/null: TensorFlow's C++ logs bypass Python's sys.stderr."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def start_tensorflow() -> str:
    """Import TensorFlow and initialise its devices quietly; return a one-line summary.

    Call it before anything else imports TensorFlow: only the first import prints.
    """
    with _stderr_silenced():
        import keras
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
    devices = ", ".join(gpu.name for gpu in gpus) if gpus else f"CPU only ({os.cpu_count()} cores)"
    return f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {devices}"
