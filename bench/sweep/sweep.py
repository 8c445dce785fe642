"""Validation-only accuracy sweep of fast_cnn-like recipes, with Keras 3 on JAX (a GPU machine
without TensorFlow) or on TensorFlow (KERAS_BACKEND=tensorflow, this project's CPU).

Used to choose the default recipe (bench/README.md, "How the default was chosen"). It scores the
project's validation split only, never the test set, and measures accuracy, not cost: costs in S
come from `make bench`. Augmentation runs in NumPy, so runs are not bit-identical to
`fmnist train`. ``"stem_stride": 2`` is the package's ``stride_first_conv=True``. ``"ema": 0.99``
validates and predicts with a moving average of the weights (batch-norm statistics included).

    python bench/sweep/sweep.py --prepare        # once, where the fmnist package is installed
    KERAS_BACKEND=jax python bench/sweep/sweep.py TAG '{"epochs": 18, "opt": "adamw", "lr": 0.005}'

appends one JSON line (the configuration, validation accuracy every half epoch, final accuracy
plain, with flip averaging, and with flips plus one-pixel shifts) to $OUT/results.jsonl.
"""

import json
import os
import sys
import time

import numpy as np

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "trainval.npz")
if sys.argv[1] == "--prepare":
    from fmnist.data import load
    from fmnist.data.pipeline import split_validation

    (x, y), _ = load()
    (xt, yt), (xv, yv) = split_validation(x, y)
    np.savez_compressed(DATA, xt=xt, yt=yt, xv=xv, yv=yv)
    sys.exit(0)
os.environ.setdefault("KERAS_BACKEND", "jax")
import keras
from keras import layers

from fmnist.data.transforms import mirror, shift, shift_each

tag = sys.argv[1]
c = dict(
    arch=[[32, 1], [64, 1], [128, 1]],
    dense=256,
    dropout=0.1,
    bn_m=0.9,
    bn_scale=True,
    epochs=18,
    batch=256,
    lr=0.1,
    warm=0.5,
    sched="cosine",
    ls=0.1,
    wd=5e-4,
    shift=2,
    flip=True,
    seed=42,
    erase=0.0,
    evals=2,
    head="flatten",
    final_lr=0.0,
    prec="mixed_bfloat16",
    opt="sgd",
    stem_stride=1,
    ema=0.0,
    ema_bn=True,
)
c.update(json.loads(sys.argv[2]))
d = np.load(DATA)
xt, yt, xv, yv = d["xt"], d["yt"], d["xv"], d["yv"]
rng = np.random.default_rng(c["seed"])
keras.utils.set_random_seed(c["seed"])


def build():
    keras.mixed_precision.set_global_policy(c["prec"])
    inputs = keras.Input((28, 28, 1))
    x = inputs
    for i, (w, n) in enumerate(c["arch"]):
        if i and not (i == 1 and c["stem_stride"] == 2):  # a strided first convolution replaces the first pool
            x = layers.MaxPooling2D(2)(x)
        for j in range(n):
            stride = c["stem_stride"] if i == j == 0 else 1
            x = layers.Conv2D(w, 3, strides=stride, padding="same", use_bias=False)(x)
            x = layers.BatchNormalization(momentum=c["bn_m"], scale=c["bn_scale"])(x)
            x = layers.ReLU()(x)
    if c["head"] == "gap":
        x = layers.GlobalAveragePooling2D()(x)
    else:
        x = layers.Flatten()(x)
        x = layers.Dropout(c["dropout"])(x)
        x = layers.Dense(c["dense"], use_bias=False)(x)
        x = layers.BatchNormalization(momentum=c["bn_m"])(x)
        x = layers.ReLU()(x)
    x = layers.Dropout(c["dropout"])(x)
    out = layers.Dense(10, activation="softmax", dtype="float32")(x)
    keras.mixed_precision.set_global_policy("float32")
    return keras.Model(inputs, out)


model = build()
steps = int(np.ceil(len(xt) / c["batch"]))
total = steps * c["epochs"]
warm = max(1, int(steps * c["warm"]))


class Sched(keras.optimizers.schedules.LearningRateSchedule):
    def __call__(self, step):
        import keras.ops as K

        s = K.cast(step, "float32")
        up = s / warm
        frac = K.clip((s - warm) / max(1, total - warm), 0.0, 1.0)
        if c["sched"] == "cosine":
            down = c["final_lr"] + (1 - c["final_lr"]) * 0.5 * (1 + K.cos(np.pi * frac))
        else:
            down = c["final_lr"] + (1 - c["final_lr"]) * (1 - frac)
        return c["lr"] * K.where(s < warm, up, down)


kw = dict(weight_decay=c["wd"])
opt = (
    keras.optimizers.SGD(Sched(), momentum=0.9, nesterov=True, **kw)
    if c["opt"] == "sgd"
    else keras.optimizers.AdamW(Sched(), **kw)
)
model.compile(optimizer=opt, loss=keras.losses.CategoricalCrossentropy(label_smoothing=c["ls"]), metrics=["accuracy"])


class WeightAverage(keras.callbacks.Callback):
    """A moving average of the weights, batch-norm statistics included unless ``"ema_bn": false``
    (momentum warmed up as (1 + n) / (10 + n) over the first steps); ``swap`` exchanges it with the
    model's weights."""

    def __init__(self, momentum):
        super().__init__()
        self.momentum, self.steps, self.average = momentum, 0, None

    def on_train_batch_end(self, batch, logs=None):
        if self.average is None:
            self.tracked = self.model.weights if c["ema_bn"] else self.model.trainable_weights
            # From NumPy copies: a Variable made from w.value would share w's storage.
            self.average = [keras.Variable(w.numpy(), dtype=w.dtype, trainable=False) for w in self.tracked]
        self.steps += 1
        m = min(self.momentum, (1 + self.steps) / (10 + self.steps))
        for a, w in zip(self.average, self.tracked):
            a.assign(m * a.value + (1 - m) * w.value)

    def swap(self):
        for a, w in zip(self.average, self.tracked):
            kept = keras.ops.copy(w.value)
            w.assign(a.value)
            a.assign(kept)


average = WeightAverage(c["ema"]) if c["ema"] else None
callbacks = [average] if average else []


def shifted(img, dy, dx):
    return keras.ops.convert_to_numpy(shift(img[..., None], dy, dx))[..., 0]


def augment(x):
    n = len(x)
    k = c["shift"]
    if c["flip"]:
        m = rng.random(n) < 0.5
        x = np.where(m[:, None, None], keras.ops.convert_to_numpy(mirror(x[..., None]))[..., 0], x)
    if k:
        oy = rng.integers(0, 2 * k + 1, n)
        ox = rng.integers(0, 2 * k + 1, n)
        x = keras.ops.convert_to_numpy(shift_each(x[..., None], k - oy, k - ox, k))[..., 0]
    if c["erase"]:
        hit = rng.random(n) < c["erase"]
        h = rng.integers(6, 15, n)
        w = rng.integers(6, 15, n)
        y0 = rng.integers(0, 28 - h + 1)
        x0 = rng.integers(0, 28 - w + 1)
        rows = np.arange(28)[None, :, None]
        cols = np.arange(28)[None, None, :]
        box = (
            (rows >= y0[:, None, None])
            & (rows < (y0 + h)[:, None, None])
            & (cols >= x0[:, None, None])
            & (cols < (x0 + w)[:, None, None])
        )
        x = np.where(box & hit[:, None, None], 0, x)
    return x


f32 = lambda a: (a.astype("float32") / 255.0)[..., None]
yt1 = np.eye(10, dtype="float32")[yt]
yv1 = np.eye(10, dtype="float32")[yv]
xv32 = f32(xv)
val, points = [], []
t0 = time.perf_counter()
chunks = c["evals"]
for e in range(c["epochs"]):
    order = rng.permutation(len(xt))
    xa = augment(xt[order])
    ya = yt1[order]
    # chunk boundaries on whole batches so the schedule is unchanged
    bounds = np.linspace(0, steps, chunks + 1).round().astype(int) * c["batch"]
    for i in range(chunks):
        a, b = bounds[i], min(bounds[i + 1], len(xt))
        model.fit(f32(xa[a:b]), ya[a:b], batch_size=c["batch"], epochs=1, shuffle=False, verbose=0, callbacks=callbacks)
        if average:
            average.swap()  # validate the averaged weights
        acc = model.evaluate(xv32, yv1, batch_size=2000, verbose=0, return_dict=True)["accuracy"]
        if average:
            average.swap()
        val.append(round(float(acc), 4))
        points.append(round(e + (i + 1) / chunks, 3))
seconds = time.perf_counter() - t0
if average:
    average.swap()  # predict with the averaged weights
P = lambda a: model.predict(f32(a), batch_size=2000, verbose=0)
p = P(xv)
xv_mirrored = keras.ops.convert_to_numpy(mirror(xv[..., None]))[..., 0]
pf = P(xv_mirrored)
ps = sum(P(shifted(xv, dy, dx)) + P(shifted(xv_mirrored, dy, dx)) for dy, dx in ((1, 0), (-1, 0), (0, 1), (0, -1)))
acc = lambda q: round(float(np.mean(q.argmax(1) == yv)), 4)
shirt = yv == 6
first = next((pt for pt, v in zip(points, val) if v >= 0.91), None)
out = {
    "tag": tag,
    **c,
    "val": val,
    "first91_epochs": first,
    "final": acc(p),
    "acc_flip": acc(p + pf),
    "flip_shift": acc(p + pf + 0.5 * ps),
    "shirt_flip": round(float(np.mean((p + pf).argmax(1)[shirt] == 6)), 4),
    "seconds": round(seconds, 1),
    "backend": keras.backend.backend(),
}
print(json.dumps(out))
with open(os.path.join(os.environ.get("OUT", "/tmp"), "results.jsonl"), "a") as fh:
    fh.write(json.dumps(out) + "\n")
