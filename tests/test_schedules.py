"""Tests for dlcore.schedules: values against keras.optimizers.schedules in float64, the
ReduceLROnPlateau logic against keras.callbacks.ReduceLROnPlateau, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlcore.optimizers import SGD
from dlcore.schedules import (
    CosineDecay,
    CosineDecayRestarts,
    ExponentialDecay,
    InverseTimeDecay,
    LinearWarmup,
    PiecewiseConstantDecay,
    ReduceLROnPlateau,
    StepDecay,
    analyze_range_test,
    lr_range_test,
    range_test_schedule,
)

# Each schedule value is a handful of float64 operations (pow, cos, a division), each
# correctly rounded or within 1 ulp in both NumPy/Python and TF: a few 1e-16 relative
# (measured <= 4e-16 for the exponential and inverse-time decays). The one cancellation,
# 1 + cos(pi s / T) near the end of a cosine decay, is accurate to ~2^-53 of the rate
# decayed from, not of the (small) result, hence the absolute term (measured: up to 1e-13
# relative there, but <= 2.8e-16 of the initial rate).
RTOL, ATOL_FRACTION = 1e-13, 1e-15
STEPS = [*range(301), 10_000]


def _keras_values(schedule, steps):
    # traced once (eager calls are ~10x slower); int64 steps, as an optimizer passes them
    import tensorflow as tf

    traced = tf.function(schedule.__call__)
    return np.array([traced(tf.constant(step, tf.int64)).numpy() for step in steps])


def _ours(schedule, steps):
    return np.array([schedule(step) for step in steps])


# ------------------------------------------------ against Keras (float64)


def _f64(**kwargs):
    """Hyperparameters as np.float64: Keras computes a schedule in the dtype of its
    initial learning rate and casts the others with ops.cast, which would round Python
    floats through float32."""
    return {k: np.float64(v) if isinstance(v, float) else v for k, v in kwargs.items()}


KERAS_CASES = [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 30, "decay_rate": 0.96}),
    (
        "ExponentialDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 25, "decay_rate": 0.5, "staircase": True},
    ),
    ("InverseTimeDecay", {"initial_learning_rate": 0.3, "decay_steps": 7, "decay_rate": 0.7}),
    (
        "InverseTimeDecay",
        {"initial_learning_rate": 0.3, "decay_steps": 7, "decay_rate": 0.7, "staircase": True},
    ),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 200}),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 150, "alpha": 0.1}),
    (
        "CosineDecay",
        {
            "initial_learning_rate": 0.0,
            "decay_steps": 200,
            "alpha": 0.05,
            "warmup_target": 0.2,
            "warmup_steps": 40,
        },
    ),
    (
        "CosineDecay",
        {
            "initial_learning_rate": 0.01,
            "decay_steps": 100,
            "warmup_target": 0.1,
            "warmup_steps": 25,
        },
    ),
    ("CosineDecay", {"initial_learning_rate": 0.05, "decay_steps": 90, "warmup_target": 0.1}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 30}),
    (
        "CosineDecayRestarts",
        {"initial_learning_rate": 0.1, "first_decay_steps": 20, "t_mul": 1.0, "m_mul": 0.5},
    ),
    (
        "CosineDecayRestarts",
        {
            "initial_learning_rate": 0.2,
            "first_decay_steps": 7,
            "t_mul": 1.5,
            "m_mul": 0.8,
            "alpha": 0.1,
        },
    ),
]


@pytest.mark.tf
@pytest.mark.parametrize(("name", "kwargs"), KERAS_CASES)
def test_matches_keras_schedule_in_float64(keras_float64, name, kwargs):
    import dlcore.schedules as ours_module

    keras_schedule = getattr(keras_float64.optimizers.schedules, name)(**_f64(**kwargs))
    ours = getattr(ours_module, name)(**kwargs)
    expected = _keras_values(keras_schedule, STEPS)
    scale = max(kwargs["initial_learning_rate"], kwargs.get("warmup_target") or 0.0)
    got = _ours(ours, STEPS)
    if name == "CosineDecayRestarts":
        # Keras finds the period with floor(log(...) / log(t_mul)); at an exact period
        # boundary that can round to the previous period, whose end value is the floor
        # alpha * eta_0 (measured: step 210 of the first case). Everywhere else: equal.
        eta0, alpha = kwargs["initial_learning_rate"], kwargs.get("alpha", 0.0)
        boundary = np.array([ours.period(t)[1] == 0 and t > 0 for t in STEPS])
        off = ~np.isclose(got, expected, rtol=RTOL, atol=ATOL_FRACTION * scale)
        assert np.all(boundary[off]), np.array(STEPS)[off & ~boundary]
        np.testing.assert_allclose(expected[off], alpha * eta0, rtol=0, atol=1e-15 * eta0)
        got, expected = got[~off], expected[~off]
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL_FRACTION * scale)


@pytest.mark.tf
def test_linear_warmup_then_cosine_is_kerass_cosine_decay_with_warmup(keras_float64):
    keras_schedule = keras_float64.optimizers.schedules.CosineDecay(
        np.float64(0.01),
        100,
        alpha=np.float64(0.1),
        warmup_target=np.float64(0.3),
        warmup_steps=25,
    )
    ours = LinearWarmup(CosineDecay(0.3, 100, alpha=0.1), 25, initial_learning_rate=0.01)
    np.testing.assert_allclose(
        _ours(ours, STEPS), _keras_values(keras_schedule, STEPS), rtol=RTOL, atol=0.3e-15
    )


def test_cosine_restarts_periods_and_peaks():
    sched = CosineDecayRestarts(1.0, 10, t_mul=2.0, m_mul=0.5, alpha=0.0)
    # periods [0, 10), [10, 30), [30, 70), [70, 150): exact at the boundaries
    assert [sched.period(t)[0] for t in (0, 9, 10, 29, 30, 69, 70, 149, 150)] == [
        0,
        0,
        1,
        1,
        2,
        2,
        3,
        3,
        4,
    ]
    assert [sched(t) for t in (0, 10, 30, 70)] == [1.0, 0.5, 0.25, 0.125]
    assert sched(5) == pytest.approx(0.5, rel=1e-15)  # halfway down the first cosine
    assert sched(20) == pytest.approx(0.25, rel=1e-15)  # halfway down the second
    floor = CosineDecayRestarts(1.0, 10, t_mul=1.0, m_mul=0.5, alpha=0.2)
    # Keras' floor is alpha * eta_0, not multiplied by m_mul^i
    assert floor(10) == pytest.approx(0.8 * 0.5 + 0.2, rel=1e-15)


def test_cosine_restarts_exact_at_boundaries_where_the_logarithm_rounds_down():
    # With t_mul = 3, log(1 + x (t_mul - 1)) / log(t_mul) is 0.9999999999999998 at x = 1 and
    # 4.999999999999999 at x = 121 (the starts of periods 1 and 5): a floor of it alone would put
    # those steps at the end of the previous period; dlcore must restart there.
    assert math.log1p(2.0) / math.log(3.0) < 1 and math.log1p(242.0) / math.log(3.0) < 5
    sched = CosineDecayRestarts(0.1, 10, t_mul=3.0, m_mul=0.5)
    for i, step in enumerate([0, 10, 40, 130, 400, 1210]):  # 10 * (1 + 3 + ... + 3^(i-1))
        assert sched.period(step) == (i, 0.0)
        assert sched(step) == 0.1 * 0.5**i
        if step > 0:
            assert sched.period(step - 1)[0] == i - 1


def test_linear_warmup_ramps_then_follows():
    after = ExponentialDecay(0.4, 10, 0.5)
    sched = LinearWarmup(after, 8, initial_learning_rate=0.0)
    assert [sched(t) for t in (0, 2, 4, 6)] == pytest.approx([0.0, 0.1, 0.2, 0.3], rel=1e-15)
    assert sched(8) == 0.4 and sched(18) == pytest.approx(0.2, rel=1e-15)  # one off
    assert LinearWarmup(0.5, 2)(1) == 0.25 and LinearWarmup(0.5, 2)(7) == 0.5


def test_range_test_schedule_is_geometric_from_min_to_max():
    sched = range_test_schedule(1e-4, 1.0, 9)
    lrs = np.array([sched(t) for t in range(9)])
    np.testing.assert_allclose(lrs, np.geomspace(1e-4, 1.0, 9), rtol=1e-13)


def test_range_test_brackets_the_stability_limit_of_sgd():
    # Mini-batch SGD on least squares (largest Hessian eigenvalue L) is unstable for
    # lr > ~2 / L. The smoothed minimum of a range test lies *past* that limit (measured
    # 1.3-2.6 x over seeds 0-5: an unstable direction needs a few steps to blow the loss
    # up), which is why the suggestion divides it by 10: it lands below the limit.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 5)) * np.array([3.0, 1.0, 1.0, 0.5, 0.1])
    y = x @ rng.normal(size=5) + 0.5 * rng.normal(size=200)
    limit = 2 / (2 * np.linalg.eigvalsh(x.T @ x / 200).max())  # loss = mean squared error
    w = np.zeros(5)

    def step(lr):
        i = rng.integers(0, 200, 20)
        r = x[i] @ w - y[i]
        loss = float(np.mean(r**2))
        w[:] = w - lr * 2 * x[i].T @ r / 20
        return loss

    res = lr_range_test(step, 1e-4, 10.0, 80)
    assert res.stopped_at < 80 and res.lrs[-1] > limit  # it reached the unstable range
    assert limit < res.lr_at_min < 4 * limit
    assert res.suggestion < limit / 2


def test_analyze_range_test_stops_at_non_finite_and_at_blow_up():
    lrs = np.geomspace(1e-3, 1.0, 6)
    res = analyze_range_test(lrs, [3.0, 2.0, 1.0, 1.5, np.nan, 1.0], beta=0.0)
    assert res.stopped_at == 4 and res.lr_at_min == lrs[2] and res.suggestion == lrs[2] / 10
    res = analyze_range_test(lrs, [3.0, 2.0, 1.0, 5.0, 0.1, 0.1], beta=0.0, stop_factor=4.0)
    assert res.stopped_at == 3  # 5 > 4 x 1: the later 0.1 is never seen
    # smoothing with bias correction: the first smoothed value is the first loss
    res = analyze_range_test(lrs, [2.0, 1.0, 1.0, 1.0, 1.0, 1.0], beta=0.5)
    assert res.smoothed[0] == 2.0 and res.smoothed[1] == pytest.approx((0.5 * 2 + 1) / 1.5)


@pytest.mark.tf
def test_piecewise_constant_matches_keras_at_and_between_boundaries(keras_float64):
    boundaries, values = [10, 20, 35], [0.5, 0.25, 0.125, 0.0625]
    keras_schedule = keras_float64.optimizers.schedules.PiecewiseConstantDecay(
        boundaries, [np.float64(v) for v in values]
    )
    steps = list(range(0, 50))
    np.testing.assert_array_equal(
        _ours(PiecewiseConstantDecay(boundaries, values), steps),
        _keras_values(keras_schedule, steps),
    )


@pytest.mark.tf
def test_step_decay_is_kerass_staircase_exponential_decay(keras_float64):
    keras_schedule = keras_float64.optimizers.schedules.ExponentialDecay(
        np.float64(0.1), 30, np.float64(0.1), staircase=True
    )
    np.testing.assert_allclose(
        _ours(StepDecay(0.1, 30, factor=0.1), STEPS),
        _keras_values(keras_schedule, STEPS),
        rtol=RTOL,
    )


@pytest.mark.tf
def test_keras_schedules_compute_in_float32_given_python_floats(keras_float64):
    # Why the tests above pass np.float64: with Python floats Keras computes in float32
    # even when floatx is float64 (and then agrees with dlcore only to ~1e-7).
    schedules = keras_float64.optimizers.schedules
    assert schedules.ExponentialDecay(0.1, 30, 0.96)(5).dtype == "float32"
    assert schedules.ExponentialDecay(np.float64(0.1), 30, np.float64(0.96))(5).dtype == "float64"


# ------------------------------------------------ defining values (no TensorFlow)


def test_exponential_and_inverse_time_by_hand():
    exp = ExponentialDecay(1.0, 10, 0.5)
    assert exp(0) == 1.0 and exp(10) == 0.5 and exp(5) == pytest.approx(0.5**0.5, rel=1e-15)
    stair = ExponentialDecay(1.0, 10, 0.5, staircase=True)
    assert [stair(s) for s in (0, 9, 10, 19.5, 20)] == [1.0, 1.0, 0.5, 0.5, 0.25]
    inv = InverseTimeDecay(1.0, 4, 1.0)
    assert [inv(s) for s in (0, 4, 12)] == [1.0, 0.5, 0.25]
    inv_stair = InverseTimeDecay(1.0, 4, 1.0, staircase=True)
    assert [inv_stair(s) for s in (3, 4, 7)] == [1.0, 0.5, 0.5]


def test_piecewise_constant_takes_the_left_value_at_a_boundary():
    sched = PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1])
    assert [sched(s) for s in (0, 100, 101, 200, 201, 10**6)] == [1.0, 1.0, 0.5, 0.5, 0.1, 0.1]
    assert PiecewiseConstantDecay([], [0.3])(7) == 0.3  # no boundaries: a constant


def test_step_decay_divides_every_k_steps():
    sched = StepDecay(0.1, 30, factor=0.1)
    got = [sched(e) for e in (0, 29, 30, 59, 60, 95)]
    np.testing.assert_allclose(got, [0.1, 0.1, 0.01, 0.01, 0.001, 1e-4], rtol=1e-15)


def test_cosine_decay_landmarks():
    sched = CosineDecay(0.2, 100, alpha=0.25)
    assert sched(0) == 0.2
    assert sched(50) == pytest.approx(0.2 * (0.75 * 0.5 + 0.25), rel=1e-15)
    assert sched(100) == sched(1000) == pytest.approx(0.05, rel=1e-15)
    warm = CosineDecay(0.0, 100, warmup_target=0.4, warmup_steps=20)
    assert warm(0) == 0.0 and warm(10) == pytest.approx(0.2, rel=1e-15)
    assert warm(20) == 0.4  # warmup ends at the target, where the decay starts
    assert warm(70) == pytest.approx(0.2, rel=1e-15) and warm(120) == pytest.approx(0.0)
    assert "warmup_steps=20" in repr(warm)


def test_schedule_drives_an_optimizer():
    opt = SGD(StepDecay(1.0, 2, factor=0.5))
    params = {"w": np.zeros(1)}
    for _ in range(5):
        opt.step(params, {"w": np.ones(1)})
    # steps 0..4 use 1, 1, 0.5, 0.5, 0.25
    np.testing.assert_array_equal(params["w"], [-3.25])


# ------------------------------------------------ ReduceLROnPlateau


def test_reduce_on_plateau_by_hand():
    plateau = ReduceLROnPlateau(1.0, factor=0.5, patience=2, cooldown=2, min_delta=0.1)
    metrics = [5.0, 4.0, 3.95, 3.95, 3.95, 3.95, 3.95, 2.0, 2.0, 2.0]
    # 5, 4: improvements. 3.95 is not (it needs < 4 - 0.1): waits 1, 2 -> halve and start a
    # cooldown of 2: one epoch ignored, and the epoch that ends the cooldown counts again
    # (Keras' counting) -> waits 1, 2 -> halve. 2.0 improves; then waits 1, 2 -> halve.
    lrs = [plateau.update(m) for m in metrics]
    assert lrs == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125]
    assert plateau(123) == 0.125  # as a schedule it returns the current rate
    # hence, as in Keras, cooldown=1 ignores no epoch at all: it behaves like cooldown=0
    one, zero = (ReduceLROnPlateau(1.0, patience=2, cooldown=c) for c in (1, 0))
    assert [one.update(m) for m in metrics] == [zero.update(m) for m in metrics]


def test_reduce_on_plateau_respects_min_lr_and_max_mode():
    plateau = ReduceLROnPlateau(0.1, mode="max", factor=0.1, patience=1, min_lr=0.005)
    lrs = [plateau.update(acc) for acc in (0.5, 0.6, 0.6, 0.59, 0.58, 0.9)]
    assert lrs == pytest.approx([0.1, 0.1, 0.01, 0.005, 0.005, 0.005], rel=1e-15)


def test_optimizer_follows_reduce_on_plateau():
    plateau = ReduceLROnPlateau(1.0, factor=0.5, patience=1)
    opt = SGD(plateau)
    params = {"w": np.zeros(1)}
    opt.step(params, {"w": np.ones(1)})
    plateau.update(1.0)
    plateau.update(1.0)  # no improvement for 1 epoch: halve
    opt.step(params, {"w": np.ones(1)})
    np.testing.assert_array_equal(params["w"], [-1.5])


def _plateau_script(rng, n=80):
    # a noisy loss with plateaus; values on a 1/256 grid so that ties occur and the
    # min_delta comparison is exercised exactly at equality
    steps = np.where(rng.random(n) < 0.3, -rng.integers(1, 20, n), rng.integers(-2, 3, n))
    return list(np.round((8 + np.cumsum(steps) / 64) * 256) / 256)


PLATEAU_CASES = [
    {"mode": "min", "factor": 0.5, "patience": 3, "min_delta": 0.0, "cooldown": 0},
    {"mode": "min", "factor": 0.25, "patience": 2, "min_delta": 1 / 64, "cooldown": 2},
    {
        "mode": "min",
        "factor": 0.5,
        "patience": 0,
        "min_delta": 1e-4,
        "cooldown": 1,
        "min_lr": 2**-9,
    },
    {"mode": "max", "factor": 0.1, "patience": 4, "min_delta": 1 / 256, "cooldown": 3},
]


@pytest.mark.tf
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # in Keras
@pytest.mark.parametrize("config", PLATEAU_CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_reduce_on_plateau_matches_keras_callback(keras_float64, config, seed):
    keras = keras_float64
    metrics = _plateau_script(np.random.default_rng(seed))
    if config["mode"] == "max":
        metrics = [-m for m in metrics]
    monitor = "val_loss" if config["mode"] == "min" else "val_accuracy"
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="mse")
    callback = keras.callbacks.ReduceLROnPlateau(monitor=monitor, **config)
    callback.set_model(model)
    callback.on_train_begin()
    ours = ReduceLROnPlateau(0.5, **config)
    keras_lrs, our_lrs = [], []
    for epoch, metric in enumerate(metrics):
        callback.on_epoch_end(epoch, {monitor: metric})
        keras_lrs.append(float(model.optimizer.learning_rate.numpy()))
        our_lrs.append(ours.update(metric))
    assert len(set(our_lrs)) >= 3  # the script really triggers reductions
    # same float64 products old_lr * factor on both sides: exact equality
    assert our_lrs == keras_lrs


# ------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("call", "exc", "name"),
    [
        (lambda: ExponentialDecay(0.1, 0, 0.9), ValueError, "decay_steps"),
        (lambda: ExponentialDecay(0.1, 10, -0.9), ValueError, "decay_rate"),
        (lambda: ExponentialDecay(-0.1, 10, 0.9), ValueError, "initial_learning_rate"),
        (lambda: ExponentialDecay(0.1, 10, 0.9, staircase="no"), TypeError, "staircase"),
        (lambda: InverseTimeDecay(0.1, 10, -1.0), ValueError, "decay_rate"),
        (lambda: PiecewiseConstantDecay([10, 20], [1.0, 0.5]), ValueError, "values"),
        (lambda: PiecewiseConstantDecay([20, 10], [1.0, 0.5, 0.1]), ValueError, "boundaries"),
        (lambda: PiecewiseConstantDecay("10", [1.0, 0.5]), TypeError, "boundaries"),
        (lambda: PiecewiseConstantDecay([10], [1.0, -0.5]), ValueError, r"values\[1\]"),
        (lambda: CosineDecay(0.1, 0), ValueError, "decay_steps"),
        (lambda: CosineDecay(0.1, 100, alpha=1.5), ValueError, "alpha"),
        (lambda: CosineDecay(0.1, 100, warmup_target=-1.0), ValueError, "warmup_target"),
        (lambda: CosineDecay(0.1, 100, warmup_steps=-5), ValueError, "warmup_steps"),
        (lambda: StepDecay(0.1, 0), ValueError, "drop_every"),
        (lambda: StepDecay(0.1, 10, factor=0.0), ValueError, "factor"),
        (lambda: StepDecay(0.1, 10, factor=2.0), ValueError, "factor"),
        (lambda: StepDecay(0.1, 10)(-1), ValueError, "step"),
        (lambda: StepDecay(0.1, 10)("3"), TypeError, "step"),
        (lambda: ReduceLROnPlateau(0.1, factor=1.0), ValueError, "factor"),
        (lambda: ReduceLROnPlateau(0.1, mode="auto"), ValueError, "mode"),
        (lambda: ReduceLROnPlateau(0.1, patience=-1), ValueError, "patience"),
        (lambda: ReduceLROnPlateau(0.1, patience=1.5), TypeError, "patience"),
        (lambda: ReduceLROnPlateau(0.1, cooldown=-1), ValueError, "cooldown"),
        (lambda: ReduceLROnPlateau(0.1, min_delta=-0.1), ValueError, "min_delta"),
        (lambda: ReduceLROnPlateau(0.1, min_lr=-1.0), ValueError, "min_lr"),
        (lambda: ReduceLROnPlateau(0.0), ValueError, "learning_rate"),
        (lambda: ReduceLROnPlateau(0.1).update(float("nan")), ValueError, "metric"),
        (lambda: ReduceLROnPlateau(0.1).update("low"), TypeError, "metric"),
        (lambda: CosineDecayRestarts(0.1, 0), ValueError, "first_decay_steps"),
        (lambda: CosineDecayRestarts(0.1, 10, t_mul=0.0), ValueError, "t_mul"),
        (lambda: CosineDecayRestarts(0.1, 10, t_mul=0.5), ValueError, r"t_mul must lie in \[1"),
        (lambda: CosineDecayRestarts(0.1, 10, m_mul=-1.0), ValueError, "m_mul"),
        (lambda: CosineDecayRestarts(0.1, 10, alpha=2.0), ValueError, "alpha"),
        (lambda: LinearWarmup(0.1, 0), ValueError, "warmup_steps"),
        (lambda: LinearWarmup(-0.1, 5), ValueError, "after"),
        (lambda: LinearWarmup(0.1, 5, initial_learning_rate=-1.0), ValueError, "initial"),
        (lambda: range_test_schedule(1.0, 0.1, 10), ValueError, "lr_max"),
        (lambda: range_test_schedule(1e-3, 1.0, 1), ValueError, "num_steps"),
        (lambda: lr_range_test("f"), TypeError, "train_step"),
        (lambda: analyze_range_test([1.0, 2.0], [1.0]), ValueError, "lrs"),
        (lambda: analyze_range_test([1.0, 2.0], [np.nan, 1.0]), ValueError, "first loss"),
        (lambda: analyze_range_test([1.0, 2.0], [1.0, 1.0], stop_factor=1.0), ValueError, "stop"),
    ],
)
def test_bad_input_names_the_parameter(call, exc, name):
    with pytest.raises(exc, match=name):
        call()
