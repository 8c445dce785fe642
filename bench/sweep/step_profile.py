"""Where a training step of the default goes on this CPU: its median time, and its time per oneDNN
primitive (TensorFlow's CPU kernels for convolutions, matrix products, pooling).

Trains the default's network (build_vgg_bn arguments overridden by the JSON argument) in float32 on
40 batches of 256 training images: one epoch to trace and warm up, then three timed epochs, of which
the fastest counts. ``--primitives`` runs the same in a child process with ``ONEDNN_VERBOSE=profile_exec``
and sums each primitive's milliseconds per step over all of that child's steps, warm-up included.
Set ``ONEDNN_MAX_CPU_ISA=AVX2`` to time the kernels a CPU without AVX-512 runs. Used for section 14
of bench/README.md.

    ONEDNN_MAX_CPU_ISA=AVX2 python bench/sweep/step_profile.py '{}'
    ONEDNN_MAX_CPU_ISA=AVX2 python bench/sweep/step_profile.py '{"widths": [24, 40, 80]}'
    ONEDNN_MAX_CPU_ISA=AVX2 python bench/sweep/step_profile.py '{}' --primitives
"""

import collections
import dataclasses
import json
import os
import subprocess
import sys
import time

BATCHES, TIMED_EPOCHS, TOP = 40, 3, 12


def step_milliseconds(overrides: dict) -> dict:
    """The fastest of three epochs of ``BATCHES`` steps, per step, for the default with ``overrides``."""
    import keras

    from fmnist.data import locate
    from fmnist.training.recipes import DEFAULT_MODEL, builder, get_recipe
    from fmnist.training.train import compiled_model, recipe_dataset

    (x, y), _ = locate(None).read()
    recipe = get_recipe(DEFAULT_MODEL)
    recipe = dataclasses.replace(recipe, build=builder("build_vgg_bn", **(dict(recipe.build.arguments) | overrides)))
    x, y = x[: BATCHES * recipe.batch_size], y[: BATCHES * recipe.batch_size]
    keras.utils.set_random_seed(0)
    model = compiled_model(recipe, x, recipe.epochs)
    batches = recipe_dataset(recipe, x, y, training=True, seed=0)
    model.fit(batches, epochs=1, verbose=0)
    seconds = []
    for _ in range(TIMED_EPOCHS):
        start = time.perf_counter()
        model.fit(batches, epochs=1, verbose=0)
        seconds.append(time.perf_counter() - start)
    return {"step_ms": round(1e3 * min(seconds) / BATCHES, 1), "parameters": model.count_params()}


def primitive_milliseconds(overrides: dict) -> list[dict]:
    """Milliseconds per step of the ``TOP`` costliest oneDNN primitives, from a profiled child run."""
    env = os.environ | {"ONEDNN_VERBOSE": "profile_exec", "FMNIST_PRECISION": "float32"}
    child = subprocess.run(
        [sys.executable, __file__, json.dumps(overrides)], env=env, capture_output=True, text=True, check=True
    )
    totals = collections.Counter()
    for line in child.stdout.splitlines():
        fields = line.split(",")
        if line.startswith("onednn_verbose") and ",exec," in line:
            # onednn_verbose,v1,primitive,exec,cpu,KIND,IMPLEMENTATION,PROPAGATION,...,PROBLEM,MILLISECONDS
            totals[(fields[5], fields[6], fields[7], fields[-2])] += float(fields[-1])
    steps = BATCHES * (1 + TIMED_EPOCHS)
    return [
        {
            "primitive": kind,
            "implementation": implementation,
            "pass": propagation,
            "problem": problem,
            "ms_per_step": round(total / steps, 2),
        }
        for (kind, implementation, propagation, problem), total in totals.most_common(TOP)
    ]


if __name__ == "__main__":
    overrides = json.loads(sys.argv[1])
    result = {"build": overrides, "isa_limit": os.environ.get("ONEDNN_MAX_CPU_ISA")}
    if "--primitives" in sys.argv:
        result["primitives"] = primitive_milliseconds(overrides)
    else:
        os.environ.setdefault("FMNIST_PRECISION", "float32")
        result |= step_milliseconds(overrides)
    print(json.dumps(result))
