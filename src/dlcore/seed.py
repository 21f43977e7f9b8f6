"""One function that makes a notebook reproducible."""

from __future__ import annotations

import importlib.util
import os
import random

import numpy as np

from dlcore._validation import check_bool, check_positive_int


def seed_everything(seed: int = 0, *, tensorflow: bool | None = None) -> np.random.Generator:
    """Seed Python, NumPy and (if installed) TensorFlow, and make TF ops deterministic.

    Sets ``random.seed``, NumPy's legacy global seed (some libraries still use it) and
    ``PYTHONHASHSEED``; if TensorFlow is importable, calls
    ``keras.utils.set_random_seed`` and ``tf.config.experimental.enable_op_determinism``
    so GPU kernels that would otherwise be non-deterministic are made deterministic
    (or raise). Returns a fresh ``numpy.random.Generator`` seeded with ``seed``: the
    generator every dlcore function that draws random numbers takes explicitly.

    Args:
        seed: non-negative integer.
        tensorflow: ``True`` to require TensorFlow, ``False`` to skip it, ``None``
            (default) to seed it only when it is installed.

    Returns:
        ``numpy.random.default_rng(seed)``.

    Example:
        >>> rng = seed_everything(0, tensorflow=False)
        >>> int(rng.integers(1000)) == int(np.random.default_rng(0).integers(1000))
        True
    """
    seed = check_positive_int(seed, "seed", allow_zero=True)
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 - seeding the legacy global state on purpose
    if tensorflow is None:
        tensorflow = importlib.util.find_spec("tensorflow") is not None
    check_bool(tensorflow, "tensorflow")
    if tensorflow:
        import keras
        import tensorflow as tf

        keras.utils.set_random_seed(seed)
        tf.config.experimental.enable_op_determinism()
    return np.random.default_rng(seed)
