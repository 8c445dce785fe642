"""Start TensorFlow without its C++ start-up chatter; pick the precision its devices do best."""

import os
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fmnist.errors import UsageError

if TYPE_CHECKING:
    import keras


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


def build_in_precision(build: Callable[[], "keras.Model"], policy: str) -> "keras.Model":
    """Call a model builder under the Keras dtype ``policy`` (e.g. ``mixed_bfloat16``), then restore float32."""
    import keras

    keras.mixed_precision.set_global_policy(policy)
    try:
        return build()
    finally:
        keras.mixed_precision.set_global_policy("float32")


#: Set to a Keras dtype policy to train every fast-precision recipe in it (``float32``: as most laptops do).
PRECISION_ENV_VAR = "FMNIST_PRECISION"
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def has_gpu() -> bool:
    """Whether TensorFlow sees a GPU."""
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def fast_precision(gpu: bool | None = None) -> str:
    """The Keras dtype policy that trains fastest, with no loss of accuracy to speak of.

    ``mixed_float16`` on a GPU (``gpu``; None: whether there is one here); ``mixed_bfloat16`` on
    a CPU with native bfloat16 dot products (AVX512-BF16 or AMX), which doubles convolution
    throughput; ``float32`` elsewhere, where bfloat16 would only be emulated. ``FMNIST_PRECISION=float32``
    in the environment trains in float32 everywhere, to measure what a CPU without bfloat16 does.
    """
    forced = os.environ.get(PRECISION_ENV_VAR)
    if forced:
        if forced not in PRECISIONS:
            raise UsageError(f"{PRECISION_ENV_VAR}={forced!r}: one of {', '.join(PRECISIONS)}")
        return forced
    if has_gpu() if gpu is None else gpu:
        return "mixed_float16"
    return "mixed_bfloat16" if _cpu_has_bf16() else "float32"


def _cpu_has_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:  # not Linux: do not guess
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags
