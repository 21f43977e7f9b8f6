"""Tests for dlcore.data: generated sets, MNIST-1D and its cache, the scale switch."""

from __future__ import annotations

import dataclasses
import random
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcore import data

GENERATORS = {
    "spirals": data.spirals,
    "moons": data.moons,
    "circles": data.circles,
    "xor": data.xor,
}


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Every test gets its own empty cache directory and the default scale."""
    monkeypatch.setenv("DLCORE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("DLCORE_SCALE", raising=False)
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def mnist1d_seed0():
    """MNIST-1D generated once (about 4 s of CPU), with the global state it left behind.

    Returns the data set and three draws from each global generator made right after
    generation, which started from states seeded with 7.
    """
    np.random.seed(7)  # noqa: NPY002 - the caller's legacy state that must survive
    random.seed(7)
    ds = data.mnist1d(0, cache=False)
    after = (np.random.rand(3), [random.random() for _ in range(3)])  # noqa: NPY002
    return ds, after


def fake_arrays(seed: int = 0) -> dict[str, np.ndarray]:
    """Small MNIST-1D-shaped stand-in for tests of the cache logic (no 4 s generation)."""
    g = np.random.default_rng(seed)
    return {
        "x_train": g.standard_normal((20, 40)),
        "y_train": np.arange(20) % 10,
        "x_test": g.standard_normal((10, 40)),
        "y_test": np.arange(10),
    }


# ---------------------------------------------------------------------- Dataset


def test_dataset_converts_dtypes_and_reprs_shapes():
    ds = data.Dataset(
        x_train=np.ones((4, 2), dtype=np.float32),
        y_train=np.array([0, 1, 0, 1], dtype=np.int32),
        x_test=np.zeros((2, 2), dtype=int),
        y_test=np.array([1, 0], dtype=np.uint8),
        name="toy",
        num_classes=2,
    )
    assert ds.x_train.dtype == ds.x_test.dtype == np.float64
    assert ds.y_train.dtype == ds.y_test.dtype == np.int64
    assert repr(ds) == "Dataset(name='toy', num_classes=2, x_train=(4, 2), x_test=(2, 2))"
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.name = "other"


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"y_train": np.array([0, 1, 0])}, "y_train must have one label per row"),
        ({"y_test": np.array([0, 2])}, r"y_test must lie in \[0, 2\)"),
        ({"y_train": np.array([0, -1, 0, 1])}, r"y_train must lie in \[0, 2\)"),
        ({"y_train": np.array([0.0, 1.0, 0.0, 1.0])}, "y_train must be a 1-D integer array"),
        ({"x_train": np.ones(4)}, "x_train must be at least 2-dimensional"),
        ({"x_test": np.ones((2, 3))}, "same feature shape"),
        ({"num_classes": 0}, "num_classes must be >= 1"),
    ],
)
def test_dataset_rejects_inconsistent_arrays(change, match):
    fields = {
        "x_train": np.ones((4, 2)),
        "y_train": np.array([0, 1, 0, 1]),
        "x_test": np.zeros((2, 2)),
        "y_test": np.array([1, 0]),
        "name": "toy",
        "num_classes": 2,
    }
    fields.update(change)
    with pytest.raises(ValueError, match=match):
        data.Dataset(**fields)


# ---------------------------------------------------------------------- 2-D sets


@pytest.mark.parametrize("name", GENERATORS)
def test_generated_set_shapes_labels_and_stratified_split(name):
    ds = GENERATORS[name](n_samples=301, seed=3, test_fraction=0.2)
    k = ds.num_classes
    assert ds.name == name
    assert ds.x_train.dtype == np.float64 and ds.y_train.dtype == np.int64
    assert ds.x_train.shape == (len(ds.y_train), 2) and ds.x_test.shape == (len(ds.y_test), 2)
    assert len(ds.y_train) + len(ds.y_test) == 301
    assert set(np.unique(ds.y_train)) == set(np.unique(ds.y_test)) == set(range(k))
    # Class sizes differ by at most one point (301 is not divisible by 2 or 3).
    totals = np.bincount(ds.y_train, minlength=k) + np.bincount(ds.y_test, minlength=k)
    assert totals.max() - totals.min() <= 1
    # Stratified: each class sends round(0.2 * n_k) points to the test set.
    expected_test = [round(0.2 * n_k) for n_k in totals]
    assert np.bincount(ds.y_test, minlength=k).tolist() == expected_test
    # Continuous coordinates: a point shared by both splits would mean a leak.
    shared = (ds.x_train[:, None, :] == ds.x_test[None, :, :]).all(axis=2)
    assert not shared.any()
    assert np.isfinite(ds.x_train).all() and np.abs(ds.x_train).max() < 3.0


@pytest.mark.parametrize("name", GENERATORS)
def test_generated_sets_are_deterministic_and_leave_global_state_alone(name):
    gen = GENERATORS[name]
    state = np.random.get_state()[1].copy()  # noqa: NPY002 - checking it is untouched
    a, b, c = gen(seed=5), gen(seed=5), gen(seed=6)
    assert np.array_equal(np.random.get_state()[1], state)  # noqa: NPY002
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize("name", GENERATORS)
def test_generated_sets_are_shuffled(name):
    # Labels must not come in class blocks (a mini-batch would then see one class).
    y = GENERATORS[name](seed=0).y_train
    switches = np.count_nonzero(np.diff(y))
    # For a random order of two equal classes about half the neighbours differ; a
    # class-sorted array has k - 1 switches. A quarter is > 20 standard deviations away
    # from the latter and well below the former's mean.
    assert switches > len(y) / 4


def test_spirals_geometry_without_noise():
    k = 4
    ds = data.spirals(400, noise=0.0, seed=1, num_classes=k)
    x = np.concatenate([ds.x_train, ds.x_test])
    y = np.concatenate([ds.y_train, ds.y_test])
    r = np.hypot(x[:, 0], x[:, 1])
    assert r.max() <= 1.0
    # theta = 2 pi y / k + 1.5 pi r (mod 2 pi), checked through cos/sin to avoid wrap-around.
    theta = 2 * np.pi * y / k + 1.5 * np.pi * r
    np.testing.assert_allclose(x, r[:, None] * np.stack([np.cos(theta), np.sin(theta)], 1))


def test_moons_geometry_without_noise():
    ds = data.moons(200, noise=0.0, seed=2)
    x = ds.x_train + np.array([0.5, 0.25])  # undo the centring shift
    upper = x[ds.y_train == 0]
    lower = x[ds.y_train == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    assert (upper[:, 1] >= 0).all()
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert (lower[:, 1] <= 0.5).all()


def test_circles_radii_without_noise():
    ds = data.circles(200, noise=0.0, seed=3, factor=0.3)
    r = np.hypot(*ds.x_train.T)
    np.testing.assert_allclose(r[ds.y_train == 0], 1.0)
    np.testing.assert_allclose(r[ds.y_train == 1], 0.3)


def test_xor_labels_follow_the_quadrants_without_noise():
    ds = data.xor(400, noise=0.0, seed=4)
    x = np.concatenate([ds.x_train, ds.x_test])
    y = np.concatenate([ds.y_train, ds.y_test])
    assert np.array_equal(y, (x[:, 0] * x[:, 1] < 0).astype(np.int64))
    assert np.abs(x).max() <= 1.0
    # All four quadrants are populated (both sign patterns of each class appear).
    quadrant = (x[:, 0] > 0) * 2 + (x[:, 1] > 0)
    assert set(quadrant) == {0, 1, 2, 3}


def test_noise_moves_points_by_its_standard_deviation():
    clean = data.circles(2000, noise=0.0, seed=8)
    noisy = data.circles(2000, noise=0.1, seed=8)
    r = np.hypot(*noisy.x_train[noisy.y_train == 0].T)
    # Radial deviation of the outer circle ~ N(0, 0.1^2) to first order; its std over
    # ~750 points has a sampling error of about 0.1 / sqrt(2 * 750) ~ 0.003.
    assert abs(np.std(r - 1.0) - 0.1) < 0.015
    assert not np.allclose(clean.x_train, noisy.x_train)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(6, 400),
    frac=st.floats(0.05, 0.95),
    seed=st.integers(0, 2**32),
    k=st.integers(2, 3),
)
def test_spirals_split_sizes_for_any_arguments(n, frac, seed, k):
    ds = data.spirals(n, noise=0.1, seed=seed, test_fraction=frac, num_classes=k)
    assert len(ds.y_train) + len(ds.y_test) == n
    # Every class keeps at least one point on each side of the split.
    assert np.bincount(ds.y_train, minlength=k).min() >= 1
    assert np.bincount(ds.y_test, minlength=k).min() >= 1
    # Per-class rounding moves the test size by at most 1/2 per class (plus the clamp).
    assert abs(len(ds.y_test) - frac * n) <= k


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_samples": 5}, ValueError, "n_samples must be >= 6"),
        ({"n_samples": 10.0}, TypeError, "n_samples must be an integer"),
        ({"noise": -0.1}, ValueError, "noise must be >= 0"),
        ({"seed": -1}, ValueError, "seed must be >= 0"),
        ({"seed": 1.5}, TypeError, "seed must be an integer"),
        ({"test_fraction": 0.0}, ValueError, "test_fraction must lie in"),
        ({"test_fraction": 1.0}, ValueError, "test_fraction must lie in"),
        ({"num_classes": 1}, ValueError, "num_classes must be >= 2"),
    ],
)
def test_spirals_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        data.spirals(**kwargs)


def test_circles_rejects_bad_factor_and_small_sets():
    with pytest.raises(ValueError, match="factor must lie in"):
        data.circles(factor=1.0)
    with pytest.raises(ValueError, match="n_samples must be >= 4"):
        data.moons(n_samples=3)


# ---------------------------------------------------------------------- MNIST-1D


def test_mnist1d_shapes_classes_and_balance(mnist1d_seed0):
    ds, _ = mnist1d_seed0
    assert ds.name == "mnist1d" and ds.num_classes == 10
    assert ds.x_train.shape == (4000, 40) and ds.x_test.shape == (1000, 40)
    assert ds.x_train.dtype == np.float64 and ds.y_train.dtype == np.int64
    assert ds.y_train.min() == 0 and max(ds.y_train.max(), ds.y_test.max()) == 9
    # 500 examples per class are cut 80/20 at random, so a class's test count is
    # hypergeometric with mean 100 and standard deviation ~8.9; 6 sigma is +-54.
    counts = np.bincount(ds.y_test, minlength=10)
    assert counts.sum() == 1000 and (np.abs(counts - 100) < 54).all()
    assert np.array_equal(np.bincount(ds.y_train, minlength=10) + counts, np.full(10, 500))
    # The package standardises the whole set (all entries of train and test together).
    everything = np.concatenate([ds.x_train, ds.x_test])
    assert abs(everything.mean()) < 1e-12
    assert abs(everything.std() - 1.0) < 1e-12


def test_mnist1d_restores_global_random_state(mnist1d_seed0):
    _, (np_draws, py_draws) = mnist1d_seed0
    np.random.seed(7)  # noqa: NPY002 - reference draws from the same starting state
    random.seed(7)
    assert np.array_equal(np_draws, np.random.rand(3))  # noqa: NPY002
    assert py_draws == [random.random() for _ in range(3)]


def test_mnist1d_cache_round_trip_and_determinism(mnist1d_seed0, private_cache, monkeypatch):
    ref, _ = mnist1d_seed0
    again = data.mnist1d(0)  # generates a second time and writes the cache
    files = list(private_cache.glob("mnist1d-*-seed0.npz"))
    assert len(files) == 1
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert np.array_equal(getattr(again, field), getattr(ref, field))

    def no_generation(seed):
        raise AssertionError("the cached arrays should have been used")

    monkeypatch.setattr(data, "_generate_mnist1d", no_generation)
    cached = data.mnist1d(0)
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert np.array_equal(getattr(cached, field), getattr(ref, field))


def test_mnist1d_different_seeds_differ(mnist1d_seed0):
    other = data.mnist1d(1, cache=False)
    assert other.x_train.shape == (4000, 40)
    assert not np.array_equal(other.x_train, mnist1d_seed0[0].x_train)


def test_mnist1d_cache_is_keyed_by_seed_and_rebuilt_when_corrupt(private_cache, monkeypatch):
    calls = []

    def fake(seed):
        calls.append(seed)
        return fake_arrays(seed)

    monkeypatch.setattr(data, "_generate_mnist1d", fake)
    first = data.mnist1d(3)
    assert calls == [3]
    data.mnist1d(3)
    assert calls == [3]  # second call read the cache
    data.mnist1d(4)
    assert calls == [3, 4]  # a different seed is a different file
    path = next(private_cache.glob("mnist1d-*-seed3.npz"))
    path.write_bytes(b"not an npz file")
    rebuilt = data.mnist1d(3)
    assert calls == [3, 4, 3]
    assert np.array_equal(rebuilt.x_train, first.x_train)
    assert data.mnist1d(3, cache=False).x_test.shape == (10, 40)
    assert calls == [3, 4, 3, 3]


def test_mnist1d_works_when_the_cache_cannot_be_written(tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("DLCORE_CACHE", str(blocker / "cache"))
    monkeypatch.setattr(data, "_generate_mnist1d", fake_arrays)
    assert data.mnist1d(0).x_train.shape == (20, 40)
    assert list(tmp_path.iterdir()) == [blocker]  # nothing written, no temporary left


def test_cache_dir_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv("DLCORE_CACHE", str(tmp_path / "x"))
    assert data.cache_dir() == tmp_path / "x"
    monkeypatch.delenv("DLCORE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data.cache_dir() == tmp_path / "xdg" / "dlcore"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data.cache_dir() == tmp_path / "home" / ".cache" / "dlcore"


def test_mnist1d_rejects_bad_seed():
    with pytest.raises(ValueError, match="seed must be < 2"):
        data.mnist1d(2**32)
    with pytest.raises(TypeError, match="seed must be an integer"):
        data.mnist1d("0")
    with pytest.raises(TypeError, match="cache must be True or False"):
        data.mnist1d(0, cache="no")  # a non-empty string is truthy: must not mean True


# ---------------------------------------------------------------------- load and the switch


@pytest.fixture
def fake_mnist1d(monkeypatch):
    def fake(seed=0, *, cache=True):
        return data.Dataset(**fake_arrays(seed), name="mnist1d", num_classes=10)

    monkeypatch.setattr(data, "mnist1d", fake)


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("scale", ["small", "full"])
def test_load_generated_sets_equal_the_generators(name, scale):
    loaded = data.load(name, scale=scale, seed=2)
    direct = GENERATORS[name](seed=2)
    assert loaded.name == name
    assert np.array_equal(loaded.x_train, direct.x_train)
    assert np.array_equal(loaded.y_test, direct.y_test)


@pytest.mark.parametrize("name", ["mnist", "cifar10", "mnist1d"])
def test_small_scale_maps_image_names_to_mnist1d(name, fake_mnist1d, monkeypatch):
    def no_keras(name):
        raise AssertionError("scale 'small' must not touch keras")

    monkeypatch.setattr(data, "_keras_load_data", no_keras)
    ds = data.load(name, seed=1)  # DLCORE_SCALE unset: "small"
    assert ds.name == "mnist1d"
    assert np.array_equal(ds.x_train, fake_arrays(1)["x_train"])
    monkeypatch.setenv("DLCORE_SCALE", "small")
    assert data.load(name).name == "mnist1d"


def fake_keras(shape_train, shape_test, label_shape):
    g = np.random.default_rng(0)

    def load_data(name):
        x_train = g.integers(0, 256, shape_train, dtype=np.uint8)
        x_test = g.integers(0, 256, shape_test, dtype=np.uint8)
        y_train = g.integers(0, 10, (shape_train[0], *label_shape), dtype=np.uint8)
        y_test = g.integers(0, 10, (shape_test[0], *label_shape), dtype=np.uint8)
        return (x_train, y_train), (x_test, y_test)

    return load_data


def test_full_scale_mnist_via_keras(monkeypatch):
    monkeypatch.setattr(data, "_keras_load_data", fake_keras((6, 28, 28), (4, 28, 28), ()))
    monkeypatch.setenv("DLCORE_SCALE", "full")
    ds = data.load("mnist")
    assert ds.name == "mnist" and ds.num_classes == 10
    assert ds.x_train.shape == (6, 28, 28, 1) and ds.x_test.shape == (4, 28, 28, 1)
    assert ds.x_train.dtype == np.float64 and ds.y_train.dtype == np.int64
    assert 0.0 <= ds.x_train.min() and ds.x_train.max() <= 1.0
    # The argument overrides the environment variable.
    monkeypatch.setattr(data, "mnist1d", lambda seed: "small")
    assert data.load("mnist", scale="small") == "small"


def test_full_scale_cifar_flattened_with_column_labels(monkeypatch):
    loader = fake_keras((5, 32, 32, 3), (3, 32, 32, 3), (1,))
    raw = fake_keras((5, 32, 32, 3), (3, 32, 32, 3), (1,))("cifar10")
    monkeypatch.setattr(data, "_keras_load_data", loader)
    ds = data.load("cifar10", scale="full", flatten=True)
    assert ds.x_train.shape == (5, 32 * 32 * 3) and ds.y_train.shape == (5,)
    np.testing.assert_allclose(ds.x_test, raw[1][0].reshape(3, -1) / 255.0)
    assert np.array_equal(ds.y_test, raw[1][1].ravel())


def test_full_scale_offline_gives_a_clear_error(monkeypatch):
    def offline(name):
        raise Exception(f"URL fetch failure on https://example.invalid/{name}")

    monkeypatch.setattr(data, "_keras_load_data", offline)
    with pytest.raises(RuntimeError) as info:
        data.load("cifar10", scale="full")
    message = str(info.value)
    assert "cifar10" in message and "URL fetch failure" in message  # what failed
    assert "offline" in message  # the likely cause
    assert "scale='small'" in message and "load_data()" in message  # how to proceed
    assert isinstance(info.value.__cause__, Exception)


def test_full_scale_without_keras_raises_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "keras", None)  # makes `import keras` fail
    with pytest.raises(ImportError, match="Keras is not installed"):
        data.load("mnist", scale="full")


@pytest.mark.parametrize(
    ("kwargs", "env", "error", "match"),
    [
        ({"name": "imagenet"}, None, ValueError, "name must be one of"),
        ({"name": 3}, None, TypeError, "name must be a string"),
        ({"name": "mnist", "scale": "large"}, None, ValueError, "scale must be one of"),
        ({"name": "mnist"}, "huge", ValueError, "DLCORE_SCALE must be one of"),
        ({"name": "moons", "flatten": "no"}, None, TypeError, "flatten must be True or False"),
        ({"name": "mnist", "flatten": 0}, None, TypeError, "flatten must be True or False"),
    ],
)
def test_load_rejects_bad_names_and_scales(kwargs, env, error, match, monkeypatch):
    if env is not None:
        monkeypatch.setenv("DLCORE_SCALE", env)
    with pytest.raises(error, match=match):
        data.load(**kwargs)


def test_environment_scale_is_case_insensitive(monkeypatch):
    monkeypatch.setenv("DLCORE_SCALE", " FULL ")
    monkeypatch.setattr(data, "_keras_load_data", fake_keras((2, 28, 28), (2, 28, 28), ()))
    assert data.load("mnist").name == "mnist"
