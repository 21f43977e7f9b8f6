"""dlcore must import and work without TensorFlow; keras_tools must say clearly that it needs it.

A fresh interpreter gets a ``sys.meta_path`` finder that refuses ``tensorflow`` and
``keras`` (as if they were not installed), then imports every dlcore module and trains a
tiny network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys

    BLOCKED = ("tensorflow", "keras", "tf_keras")

    class BlockTensorFlow:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)
            return None

    sys.meta_path.insert(0, BlockTensorFlow())

    import numpy as np
    import dlcore

    modules = sorted(m.name for m in pkgutil.iter_modules(dlcore.__path__))
    for name in modules:
        importlib.import_module("dlcore." + name)
    leaked = sorted(k for k in sys.modules if k.split(".")[0] in BLOCKED)

    # The NumPy core works: a few training steps of a small MLP.
    from dlcore.nn import MLP, train
    from dlcore.optimizers import Adam
    rng = dlcore.seed_everything(0, tensorflow=False)
    x = rng.normal(size=(64, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(int)
    hist = train(MLP([2, 8, 2], rng=rng), Adam(), x, y, epochs=3, batch_size=16, rng=rng)

    from dlcore import keras_tools
    errors = {}
    calls = {
        "build_mlp": lambda: keras_tools.build_mlp([2, 2]),
        "from_dlcore": lambda: keras_tools.from_dlcore(MLP([2, 2], rng=rng)),
        "keras_activation": lambda: keras_tools.keras_activation("relu"),
        "activation_stats": lambda: keras_tools.activation_stats(None, x),
        "gradient_norms": lambda: keras_tools.gradient_norms(None, x, y),
        "loss_and_grads": lambda: keras_tools.loss_and_grads(None, x, y),
    }
    for fname, call in calls.items():
        try:
            call()
            errors[fname] = None
        except ImportError as exc:
            errors[fname] = str(exc)
    print(json.dumps({"modules": modules, "leaked": leaked, "steps": len(hist.loss),
                      "errors": errors}))
    """
)


def run_blocked() -> dict:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_dlcore_works_without_tensorflow():
    result = run_blocked()
    # Every module of the package was imported, the core ones and keras_tools itself.
    for name in ("nn", "losses", "layers", "diagnostics", "activations", "keras_tools"):
        assert name in result["modules"]
    assert result["leaked"] == []
    assert result["steps"] == 3 * 4
    # Every TensorFlow-backed function raises an ImportError that says what to install.
    assert set(result["errors"]) == {
        "build_mlp",
        "from_dlcore",
        "keras_activation",
        "activation_stats",
        "gradient_norms",
        "loss_and_grads",
    }
    for name, message in result["errors"].items():
        assert message is not None, f"{name} did not raise ImportError"
        assert "TensorFlow" in message and "pip install tensorflow" in message
