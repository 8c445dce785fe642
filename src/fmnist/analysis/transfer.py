"""Transfer learning as the original project proposed: an ImageNet backbone from ``keras.applications``.

Fashion-MNIST's 28x28 grey images are resized and copied into 3 channels, fed to a
MobileNetV2 backbone, first frozen (a feature extractor under a new classifier head), then
fine-tuned end to end at a low learning rate. The ImageNet weights are downloaded by Keras;
where they cannot be (no internet), :func:`backbone_weights` says so and the same code runs
with ``weights=None``, which exercises every step but is not transfer learning.
"""

import time

import keras
import numpy as np

from fmnist.config import IMAGE_SHAPE, NUM_CLASSES, SEED
from fmnist.data.pipeline import make_dataset, split_validation
from fmnist.training.callbacks import EpochTimer

INPUT_SIZE = 96  # one of the sizes MobileNetV2's ImageNet weights were trained for


def backbone_weights() -> str | None:
    """``"imagenet"`` if Keras can load MobileNetV2's ImageNet weights here (downloading them once), else None."""
    try:
        keras.applications.MobileNetV2(include_top=False, weights="imagenet", input_shape=(INPUT_SIZE, INPUT_SIZE, 3))
    except Exception as err:  # Keras raises a bare Exception when the download fails
        print(f"ImageNet weights unavailable here ({str(err).splitlines()[0][:120]})")
        return None
    return "imagenet"


def build_transfer_model(weights: str | None) -> tuple[keras.Model, keras.Model]:
    """The classifier and its backbone: resize to 96x96, grey to RGB in [-1, 1], MobileNetV2, new head."""
    inputs = keras.Input((*IMAGE_SHAPE, 1))
    x = keras.layers.Resizing(INPUT_SIZE, INPUT_SIZE)(inputs)
    x = keras.layers.Concatenate()([x, x, x])
    x = keras.layers.Rescaling(2.0, offset=-1.0)(x)  # [0, 1] -> [-1, 1], as MobileNetV2 was trained
    backbone = keras.applications.MobileNetV2(
        include_top=False, weights=weights, input_shape=(INPUT_SIZE, INPUT_SIZE, 3)
    )
    x = backbone(x, training=False)  # batch norm stays in inference mode, even when fine-tuning
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.2)(x)
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="mobilenet_v2_transfer"), backbone


def transfer_learn(
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    *,
    weights: str | None,
    frozen_epochs: int,
    finetune_epochs: int,
    batch_size: int = 128,
    seed: int = SEED,
) -> tuple[keras.Model, list[dict]]:
    """Train the head on a frozen backbone, then fine-tune everything; return the model and one row per phase.

    Each row holds the phase, its epochs and trainable parameters, its training seconds, the
    milliseconds per training image in its last epoch (the first one includes tracing; validation
    is not counted) and its final validation accuracy.
    """
    keras.utils.set_random_seed(seed)
    model, backbone = build_transfer_model(weights)
    train_data = make_dataset(*train, batch_size=batch_size, shuffle=True, flip=True, seed=seed)
    val_data = make_dataset(*validation, batch_size=512)
    phases = []
    for phase, trainable, rate, epochs in (
        ("frozen backbone", False, 1e-3, frozen_epochs),
        ("fine-tuned", True, 1e-5, finetune_epochs),
    ):
        backbone.trainable = trainable
        model.compile(
            optimizer=keras.optimizers.Adam(rate), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
        )
        start = time.perf_counter()
        history = model.fit(
            train_data, validation_data=val_data, epochs=epochs, shuffle=False, callbacks=[EpochTimer()], verbose=0
        )
        phases.append(
            {
                "phase": phase,
                "epochs": epochs,
                "trainable parameters": sum(int(np.prod(w.shape)) for w in model.trainable_weights),
                "training seconds": time.perf_counter() - start,
                "ms per training image": 1000 * history.history["train_seconds"][-1] / len(train[0]),
                "validation accuracy": history.history["val_accuracy"][-1],
            }
        )
    return model, phases


def transfer_study(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    weights: str | None,
    train_size: int | None = None,
    validation_size: int | None = None,
    epochs: int | None = None,
) -> tuple[keras.Model, list[dict]]:
    """:func:`transfer_learn` on the training split (``train_size`` images; None: all of it), validated on
    ``validation_size`` images of the validation split (None: all of it with ImageNet weights, 1,000 without).

    With ImageNet weights: 3 frozen and 5 fine-tuned epochs. Without them the accuracy means nothing,
    so it measures the cost only: 2 + 2 epochs. ``epochs`` overrides both phases.
    """
    (x_fit, y_fit), (x_val, y_val) = split_validation(images, labels)
    frozen_epochs, finetune_epochs = (3, 5) if weights else (2, 2)
    if validation_size is None and not weights:
        validation_size = 1000
    return transfer_learn(
        (x_fit[:train_size], y_fit[:train_size]),
        (x_val[:validation_size], y_val[:validation_size]),
        weights=weights,
        frozen_epochs=epochs or frozen_epochs,
        finetune_epochs=epochs or finetune_epochs,
    )
