"""dlcore.seed_everything: Python, NumPy's legacy state and the returned generator."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest

from dlcore import seed_everything


def test_seeds_python_numpy_and_returns_a_fresh_generator(monkeypatch):
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)  # restored after the test
    rng = seed_everything(7, tensorflow=False)
    a = (random.random(), np.random.random(), rng.random())  # noqa: NPY002
    rng = seed_everything(7, tensorflow=False)
    b = (random.random(), np.random.random(), rng.random())  # noqa: NPY002
    assert a == b
    assert os.environ["PYTHONHASHSEED"] == "7"


@pytest.mark.parametrize(
    ("kwargs", "exc", "name"),
    [
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": 1.5}, TypeError, "seed"),
        ({"seed": 0, "tensorflow": "no"}, TypeError, "tensorflow"),
        ({"seed": 0, "tensorflow": 0}, TypeError, "tensorflow"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        seed_everything(**kwargs)
