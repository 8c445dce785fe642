"""Choose a tf.distribute strategy: one device, all local GPUs, a TPU, or several machines."""

import tensorflow as tf

STRATEGIES = ("auto", "default", "mirrored", "tpu", "multiworker")


def make_strategy(name: str = "auto") -> tf.distribute.Strategy:
    """The strategy called ``name``.

    ``auto``: a TPU when one is attached (Colab TPU runtime), all GPUs when there are several,
    otherwise the default single-device strategy. ``mirrored`` copies the model on every local
    GPU, or on every logical CPU device when there is no GPU; ``multiworker`` reads the cluster
    from ``$TF_CONFIG``.
    """
    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}; choose one of: {', '.join(STRATEGIES)}")
    if name == "auto":
        if _tpu_resolver() is not None:
            name = "tpu"
        elif len(tf.config.list_logical_devices("GPU")) > 1:
            name = "mirrored"
        else:
            name = "default"
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in gpus or tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    resolver = _tpu_resolver()
    if resolver is None:
        raise ValueError("strategy 'tpu' asked for, but no TPU is attached")
    tf.config.experimental_connect_to_cluster(resolver)
    tf.tpu.experimental.initialize_tpu_system(resolver)
    return tf.distribute.TPUStrategy(resolver)


def _tpu_resolver():
    try:
        return tf.distribute.cluster_resolver.TPUClusterResolver()
    except (ValueError, RuntimeError):
        return None
