"""Tests for dlcore.initializers: fans, moments and bounds (against theory and Keras), errors."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlcore import initializers as I

KERAS_TRUNC_STD = 0.87962566103423978  # the literal in keras' VarianceScaling
SHAPE = (400, 300)  # 120,000 draws per sample
CONV = (3, 3, 40, 50)  # fan_in = 9 * 40 = 360, fan_out = 9 * 50 = 450; 18,000 draws


def theory(name: str, params: dict, shape: tuple[int, ...]) -> dict:
    """What each initializer should produce, written from the definitions (not the code).

    kind: "constant", "normal" (untruncated), "truncated" (bound = 2 sigma before
    truncation), "uniform" (bound = half-width) or "orthogonal".
    """
    if len(shape) == 1:
        fi = fo = shape[0]
    elif len(shape) == 2:
        fi, fo = shape
    else:
        rf = math.prod(shape[:-2])
        fi, fo = shape[-2] * rf, shape[-1] * rf
    p = dict(params)
    if name in ("zeros", "ones", "constant"):
        return {
            "kind": "constant",
            "value": {"zeros": 0.0, "ones": 1.0}.get(name, p.get("value", 0.0)),
        }
    if name == "random_normal":
        return {"kind": "normal", "mean": p.get("mean", 0.0), "std": p.get("stddev", 0.05)}
    if name == "random_uniform":
        a, b = p.get("minval", -0.05), p.get("maxval", 0.05)
        return {"kind": "uniform", "mean": (a + b) / 2, "std": (b - a) / math.sqrt(12)}
    if name == "truncated_normal":
        s = p.get("stddev", 0.05)
        return {"kind": "truncated", "mean": p.get("mean", 0.0), "std": KERAS_TRUNC_STD * s}
    if name == "orthogonal":
        return {"kind": "orthogonal", "gain": p.get("gain", 1.0)}
    scale, mode, dist = {
        "glorot_normal": (1.0, "fan_avg", "truncated_normal"),
        "glorot_uniform": (1.0, "fan_avg", "uniform"),
        "he_normal": (2.0, "fan_in", "truncated_normal"),
        "he_uniform": (2.0, "fan_in", "uniform"),
        "lecun_normal": (1.0, "fan_in", "truncated_normal"),
        "lecun_uniform": (1.0, "fan_in", "uniform"),
        "variance_scaling": (
            p.get("scale", 1.0),
            p.get("mode", "fan_in"),
            p.get("distribution", "truncated_normal"),
        ),
    }[name]
    n = {"fan_in": fi, "fan_out": fo, "fan_avg": (fi + fo) / 2}[mode]
    kind = {"truncated_normal": "truncated", "untruncated_normal": "normal"}.get(dist, dist)
    return {"kind": kind, "mean": 0.0, "std": math.sqrt(scale / n)}


def bound_of(t: dict) -> float | None:
    if t["kind"] == "uniform":
        return math.sqrt(3) * t["std"]  # half-width of U(-L, L) with sd L / sqrt(3)
    if t["kind"] == "truncated":
        return 2 * t["std"] / KERAS_TRUNC_STD  # 2 sigma, sigma before truncation
    return None


def check_sample(w: np.ndarray, t: dict, who: str) -> None:
    """Moments and support of one sample against the theory, with sample-size tolerances."""
    n = w.size
    if t["kind"] == "constant":
        np.testing.assert_array_equal(w, t["value"], err_msg=who)
        return
    if t["kind"] == "orthogonal":
        m = w.reshape(-1, w.shape[-1])
        gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
        # QR in float64: orthogonality holds to ~ k * eps with k <= 400, far below 1e-12.
        np.testing.assert_allclose(gram, t["gain"] ** 2 * np.eye(len(gram)), atol=1e-12)
        # Unit-norm columns (or rows) fix the mean square exactly: gain^2 / max(rows, cols).
        ms = np.mean(m**2)
        assert ms == pytest.approx(t["gain"] ** 2 / max(m.shape), rel=1e-12), who
        return
    mu, sigma = t["mean"], t["std"]
    # Sample mean: standard error sigma / sqrt(n). Sample sd: standard error
    # sigma * sqrt((kurtosis - 1) / (4n)), at most sigma / sqrt(2n) since the normal
    # (kurtosis 3) has the heaviest tails here (uniform 1.8, 2-sigma truncated normal 2.4).
    # Six standard errors: a correct implementation fails with probability ~2e-9.
    assert abs(w.mean() - mu) < 6 * sigma / math.sqrt(n), who
    assert abs(w.std() - sigma) < 6 * sigma / math.sqrt(2 * n), who
    bound = bound_of(t)
    if bound is None:  # untruncated normal: some draw beyond 3 sigma (P(none) = e^-324)
        assert np.max(np.abs(w - mu)) > 3 * sigma, who
        return
    assert np.all(np.abs(w - mu) <= bound), who
    # The support is used up to its edge: the chance that no draw falls in the outer
    # 2e-3 of the bound on one side is (1 - p)^n with p >= 2e-4 * density, < e^-27 here.
    assert w.max() - mu > bound * (1 - 2e-3) and mu - w.min() > bound * (1 - 2e-3), who


CASES = (
    [(name, {}, SHAPE) for name in I.names()]
    + [
        ("constant", {"value": 0.75}, SHAPE),  # float32-exact: Keras casts through float32
        ("random_normal", {"mean": 0.5, "stddev": 2.0}, SHAPE),
        ("random_uniform", {"minval": -1.0, "maxval": 3.0}, SHAPE),
        ("truncated_normal", {"mean": 1.0, "stddev": 0.5}, SHAPE),
        ("orthogonal", {"gain": 1.5}, (300, 400)),
        ("orthogonal", {"gain": 2.0}, (3, 3, 8, 50)),
        ("he_normal", {}, CONV),
        ("glorot_uniform", {}, CONV),
        ("lecun_normal", {}, (1000, 20)),
    ]
    + [
        ("variance_scaling", {"scale": 0.5, "mode": mode, "distribution": dist}, CONV)
        for mode in ("fan_in", "fan_out", "fan_avg")
        for dist in ("truncated_normal", "untruncated_normal", "uniform")
    ]
)


def _id(case):
    name, params, shape = case
    return "-".join([name, *(f"{k}={v}" for k, v in params.items()), "x".join(map(str, shape))])


# --- moments and bounds -------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_matches_theory(case, rng):
    name, params, shape = case
    w = I.get(name, **params)(shape, rng)
    assert w.shape == shape and w.dtype == np.float64
    check_sample(w, theory(name, params, shape), name)


@pytest.mark.tf
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_keras_sample_satisfies_the_same_statistics(case, rng, keras_float64):
    # Same shape, same theory, same tolerances for Keras' own sample, and the two samples'
    # moments agree: difference of means has standard error sigma * sqrt(2/n), difference
    # of sds at most sigma / sqrt(n); six standard errors again.
    keras = keras_float64
    name, params, shape = case
    # The class of the same name (keras.initializers.get("constant") itself fails in Keras
    # 3.15: its from_config needs a "value" key).
    cls = getattr(keras.initializers, "".join(part.capitalize() for part in name.split("_")))
    kw = dict(params)
    if "seed" in inspect.signature(cls.__init__).parameters:
        kw["seed"] = 2024
    theirs = np.asarray(cls(**kw)(shape, dtype="float64"))
    ours = I.get(name, **params)(shape, rng)
    t = theory(name, params, shape)
    check_sample(theirs, t, f"keras {name}")
    if t["kind"] in ("normal", "truncated", "uniform"):
        n, sigma = ours.size, t["std"]
        assert abs(ours.mean() - theirs.mean()) < 6 * sigma * math.sqrt(2 / n)
        assert abs(ours.std() - theirs.std()) < 6 * sigma / math.sqrt(n)
        b = bound_of(t)
        if b is not None:  # same support: extremes agree to the 2e-3 edge band
            assert abs(np.ptp(ours) - np.ptp(theirs)) < 2 * 2e-3 * b


def test_truncated_normal_constant():
    # Closed form equals Keras' literal, and a large sample of 2-sigma-truncated standard
    # normals has that sd (standard error <= 1/sqrt(2n) = 1e-3 for n = 500,000).
    assert I.TRUNCATED_NORMAL_STD == pytest.approx(KERAS_TRUNC_STD, rel=1e-15)
    w = I.truncated_normal((500_000,), np.random.default_rng(3), mean=0.0, stddev=1.0)
    assert abs(w.std() - KERAS_TRUNC_STD) < 6 / math.sqrt(2 * w.size)
    assert np.max(np.abs(w)) <= 2.0


def test_he_normal_follows_keras_not_the_paper(rng):
    # Keras: truncated at 2 sigma_pre, sd sqrt(2 / fan_in) after truncation, fan_in (not
    # fan_out). He et al. (2015): untruncated N(0, 2 / fan_in), reachable by variance_scaling.
    shape = (100, 400)
    w = I.he_normal(shape, rng)
    target = math.sqrt(2 / 100)
    assert abs(w.std() - target) < 6 * target / math.sqrt(2 * w.size)
    assert abs(w.std() - math.sqrt(2 / 400)) > 0.25 * target  # not fan_out (half the sd)
    assert np.max(np.abs(w)) <= 2 * target / KERAS_TRUNC_STD
    paper = I.variance_scaling(shape, rng, scale=2.0, distribution="untruncated_normal")
    assert abs(paper.std() - target) < 6 * target / math.sqrt(2 * paper.size)
    assert np.max(np.abs(paper)) > 2 * target / KERAS_TRUNC_STD


def test_named_initializers_are_variance_scaling_cases():
    for name, args in [
        ("glorot_normal", (1.0, "fan_avg", "truncated_normal")),
        ("glorot_uniform", (1.0, "fan_avg", "uniform")),
        ("he_normal", (2.0, "fan_in", "truncated_normal")),
        ("he_uniform", (2.0, "fan_in", "uniform")),
        ("lecun_normal", (1.0, "fan_in", "truncated_normal")),
        ("lecun_uniform", (1.0, "fan_in", "uniform")),
    ]:
        a = I.get(name)((7, 5), np.random.default_rng(1))
        b = I.variance_scaling((7, 5), np.random.default_rng(1), *args)
        np.testing.assert_array_equal(a, b)


@settings(max_examples=30, deadline=None)
@given(
    shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=6),
    mode=st.sampled_from(["fan_in", "fan_out", "fan_avg"]),
    dist=st.sampled_from(["truncated_normal", "untruncated_normal", "uniform"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_variance_scaling_shapes_and_support(shape, mode, dist, seed):
    w = I.variance_scaling(shape, np.random.default_rng(seed), 2.0, mode, dist)
    assert w.shape == shape and w.dtype == np.float64 and np.all(np.isfinite(w))
    t = theory("variance_scaling", {"scale": 2.0, "mode": mode, "distribution": dist}, shape)
    b = bound_of(t)
    if b is not None:
        assert np.all(np.abs(w) <= b)


# --- fans, orthogonal, constants, rng ----------------------------------------------------------


def test_compute_fans_known_shapes():
    assert I.compute_fans(()) == (1, 1)
    assert I.compute_fans((5,)) == (5, 5)
    assert I.compute_fans(5) == (5, 5)
    assert I.compute_fans((4, 7)) == (4, 7)
    assert I.compute_fans((3, 3, 16, 32)) == (144, 288)
    assert I.compute_fans((5, 16, 32)) == (80, 160)


@pytest.mark.tf
@settings(max_examples=30, deadline=None)
@given(shape=hnp.array_shapes(min_dims=0, max_dims=5, max_side=7))
def test_compute_fans_matches_keras(shape):
    from keras.src.initializers.random_initializers import compute_fans

    assert I.compute_fans(shape) == compute_fans(shape)


@pytest.mark.parametrize("shape", [(5, 5), (7, 3), (3, 7), (2, 3, 4), (3, 3, 4, 2)])
def test_orthogonal_is_orthogonal(shape, rng):
    w = I.orthogonal(shape, rng, gain=0.5)
    m = w.reshape(-1, shape[-1])
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, 0.25 * np.eye(len(gram)), atol=1e-14)


def test_orthogonal_is_haar_distributed(rng):
    # Without the sign fix, LAPACK's QR makes Q[0, 0] = -|a_00| / ||a_0||, always <= 0. With
    # it, Q is uniform on O(3): E[Q00] = 0 and E[Q00^2] = 1/3 (sd of Q00^2 is < 1/3, so the
    # standard errors over 4000 draws are < 0.0092 and < 0.0053); and both determinants occur.
    draws = np.array([I.orthogonal((3, 3), rng) for _ in range(4000)])
    q00 = draws[:, 0, 0]
    assert abs(q00.mean()) < 6 * math.sqrt(1 / 3 / 4000)
    assert abs(np.mean(q00**2) - 1 / 3) < 6 / 3 / math.sqrt(4000)
    dets = np.linalg.det(draws)
    assert 0.45 < np.mean(dets > 0) < 0.55  # binomial sd 0.008


def test_constants_break_nothing_and_show_symmetry(rng):
    w = I.get("constant", value=0.3)((4, 3), rng)
    assert np.all(w == 0.3)
    # Identical columns: every unit computes the same thing (the symmetry problem).
    x = rng.normal(size=(5, 4))
    h = x @ w
    assert np.all(h == h[:, :1])
    assert np.all(I.zeros((2, 2)) == 0) and np.all(I.ones((2, 2), rng) == 1)


def test_draws_come_only_from_the_given_generator():
    for name in I.names():
        a = I.get(name)((6, 4), np.random.default_rng(11))
        b = I.get(name)((6, 4), np.random.default_rng(11))
        np.testing.assert_array_equal(a, b)
    g = np.random.default_rng(11)
    assert not np.array_equal(I.he_normal((6, 4), g), I.he_normal((6, 4), g))


def test_get_binds_parameters(rng):
    init = I.get("variance_scaling", scale=3.0, mode="fan_out", distribution="uniform")
    w = init((10, 1000), rng)
    assert np.max(np.abs(w)) <= math.sqrt(3 * 3.0 / 1000)
    assert I.get("he_uniform") is I.he_uniform
    assert set(I.names()) == {
        "zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal",
        "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "lecun_normal",
        "lecun_uniform", "orthogonal", "variance_scaling",
    }  # fmt: skip


# --- bad input -----------------------------------------------------------------------------


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match=r"name must be one of .*'he_normal'.*got 'kaiming'"):
        I.get("kaiming")


@pytest.mark.parametrize(
    ("call", "exc", "pattern"),
    [
        (
            lambda: I.get(None),
            TypeError,
            r"name must be an initializer name \(one of \[.*he_normal",
        ),
        (
            lambda: I.get("he_normal", scale=2.0),
            TypeError,
            r"unexpected parameter\(s\) \['scale'\]",
        ),
        (
            lambda: I.get("random_normal", std=1.0),
            TypeError,
            r"valid parameters: \['mean', 'stddev'\]",
        ),
        (lambda: I.get("random_normal", stddev=0.0), ValueError, "stddev must be > 0"),
        (lambda: I.get("truncated_normal", stddev=-1.0), ValueError, "stddev must be > 0"),
        (
            lambda: I.get("random_uniform", minval=1.0, maxval=1.0),
            ValueError,
            "maxval must be > minval",
        ),
        (lambda: I.get("variance_scaling", scale=0.0), ValueError, "scale must be > 0"),
        (lambda: I.get("variance_scaling", mode="fan_sum"), ValueError, "mode must be one of"),
        (
            lambda: I.get("variance_scaling", distribution="normal"),
            ValueError,
            "distribution must be one of",
        ),
        (lambda: I.get("constant", value=float("inf")), ValueError, "value must be finite"),
        (lambda: I.get("orthogonal", gain="2"), TypeError, "gain must be a real number"),
        (lambda: I.he_normal((3, 3), None), TypeError, "rng must be a numpy.random.Generator"),
        (lambda: I.glorot_uniform((3, 3), np.random.RandomState(0)), TypeError, "rng must be"),
        (lambda: I.he_normal((3, 3), 42), TypeError, "rng must be a numpy.random.Generator"),
        (lambda: I.zeros((2, 2), rng="seed"), TypeError, "rng must be"),
        (
            lambda: I.he_normal((3, -1), np.random.default_rng()),
            ValueError,
            "shape must be a tuple of positive",
        ),
        (
            lambda: I.he_normal((3.0, 2), np.random.default_rng()),
            ValueError,
            "shape must be a tuple",
        ),
        (lambda: I.he_normal("33", np.random.default_rng()), ValueError, "shape must be a tuple"),
        (lambda: I.compute_fans((2, True)), ValueError, "shape must be a tuple"),
        (
            lambda: I.orthogonal((5,), np.random.default_rng()),
            ValueError,
            "shape must have at least 2",
        ),
        (
            lambda: I.random_uniform((2,), np.random.default_rng(), 2.0, 1.0),
            ValueError,
            "maxval must be > minval",
        ),
    ],
)
def test_bad_input(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
