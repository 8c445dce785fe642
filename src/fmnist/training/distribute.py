"""Choose a tf.distribute strategy: one device, all local GPUs, a TPU, or several machines."""

import tensorflow as tf

from fmnist.errors import UsageError

STRATEGIES = ("auto", "default", "mirrored", "tpu", "multiworker")


def make_strategy(name: str = "auto") -> tf.distribute.Strategy:
    """The strategy called ``name``.

    ``auto``: a TPU when one is attached (Colab TPU runtime), all GPUs when there are several,
    otherwise the default single-device strategy. ``mirrored`` copies the model on every local
    GPU, or on every logical CPU device when there is no GPU; ``multiworker`` reads the cluster
    from ``$TF_CONFIG``.
    """
    if name not in STRATEGIES:
        raise UsageError(f"unknown strategy {name!r}; choose one of: {', '.join(STRATEGIES)}")
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
        return _MultiWorkerStrategy()
    resolver = _tpu_resolver()
    if resolver is None:
        raise UsageError("strategy 'tpu' asked for, but no TPU is attached")
    tf.config.experimental_connect_to_cluster(resolver)
    tf.tpu.experimental.initialize_tpu_system(resolver)
    return tf.distribute.TPUStrategy(resolver)


def _tpu_resolver():
    try:
        return tf.distribute.cluster_resolver.TPUClusterResolver()
    except (ValueError, RuntimeError):
        return None


class _MultiWorkerStrategy(tf.distribute.MultiWorkerMirroredStrategy):
    """MultiWorkerMirroredStrategy with a ``reduce`` that takes what Keras 3's ``fit`` passes it.

    Keras 3 reduces a nest of values in one call (its first batch, to learn the shapes) and
    reduces scalar metrics along axis 0; the multi-worker strategy accepts neither
    (keras-team/keras#20585, tensorflow/tensorflow#72388). This reduces each value on its own,
    and scalars across replicas only, which is what both calls mean.
    """

    def reduce(self, reduce_op: tf.distribute.ReduceOp | str, value: tf.Tensor, axis: int | None) -> tf.Tensor:
        def reduce_one(single: tf.Tensor) -> tf.Tensor:
            scalar = self.experimental_local_results(single)[0].shape.rank == 0
            return super(_MultiWorkerStrategy, self).reduce(reduce_op, single, None if scalar else axis)

        return tf.nest.map_structure(reduce_one, value)
