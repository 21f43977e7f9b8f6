"""Tests for dlcore.landscapes: derivatives against finite differences, the closed-form
momentum rate against measured rates and against the 2 x 2 iteration matrix, and paths."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore.landscapes import (
    Beale,
    Quadratic,
    Rosenbrock,
    Saddle,
    gd_rate,
    measured_rate,
    momentum_rate,
    optimal_momentum,
    trajectory,
)
from dlcore.optimizers import SGD, Adam, get, names

LANDSCAPES = [Quadratic([1.0, 25.0], angle=0.4), Rosenbrock(), Beale(), Saddle()]


@pytest.mark.parametrize("land", LANDSCAPES, ids=repr)
def test_gradient_and_hessian_match_central_differences(land, rng):
    # Central differences with h = 1e-5: truncation ~ h^2 f''' ~ 1e-10 relative to the
    # scale of the derivatives here, rounding ~ eps |f| / h ~ 1e-11; so rtol 1e-6 with an
    # absolute floor of 1e-6 times the largest entry is generous by orders but not vacuous
    # (a wrong sign or factor is off by O(1)).
    h = 1e-5
    for _ in range(5):
        w = rng.uniform(-1.5, 1.5, size=2)
        eye = np.eye(2)
        num_g = [(land.value(w + h * e) - land.value(w - h * e)) / (2 * h) for e in eye]
        g = land.gradient(w)
        np.testing.assert_allclose(g, num_g, rtol=1e-6, atol=1e-6 * np.max(np.abs(g)))
        num_h = np.array(
            [(land.gradient(w + h * e) - land.gradient(w - h * e)) / (2 * h) for e in eye]
        )
        hess = land.hessian(w)
        np.testing.assert_allclose(hess, num_h.T, rtol=1e-6, atol=1e-6 * np.max(np.abs(hess)))
        np.testing.assert_allclose(hess, hess.T, rtol=1e-12)


@pytest.mark.parametrize("land", [Rosenbrock(), Beale()], ids=repr)
def test_minimum_is_a_stationary_point_with_value_zero(land):
    assert land.value(land.minimum) == 0.0
    np.testing.assert_allclose(land.gradient(land.minimum), 0.0, atol=1e-12)
    assert np.all(np.linalg.eigvalsh(land.hessian(land.minimum)) > 0)


def test_value_broadcasts_over_a_grid():
    x, y = np.meshgrid(np.linspace(-1, 1, 4), np.linspace(-2, 2, 3))
    grid = np.stack([x, y], axis=-1)
    for land in LANDSCAPES:
        vals = land.value(grid)
        assert vals.shape == (3, 4)
        assert vals[1, 2] == pytest.approx(land.value(grid[1, 2]), rel=1e-14)


def test_saddle_point_and_its_escape():
    s = Saddle()
    np.testing.assert_array_equal(s.gradient([0.0, 0.0]), [0.0, 0.0])
    assert sorted(np.linalg.eigvalsh(s.hessian([0.0, 0.0]))) == [-1.0, 1.0]
    on_line = trajectory(s, SGD(0.1), [1.0, 0.0], 200)  # y = 0 exactly: stuck at the saddle
    assert np.abs(on_line[-1]).max() < 1e-8
    off = trajectory(s, SGD(0.1), [1.0, 1e-6], 400)  # escapes to a minimum (0, 1)
    np.testing.assert_allclose(off[-1], [0.0, 1.0], atol=1e-6)


def _iteration_matrix_radius(eta, rho, lam):
    return max(
        np.max(np.abs(np.linalg.eigvals(np.array([[1 + rho - eta * x, -rho], [1.0, 0.0]]))))
        for x in lam
    )


@pytest.mark.parametrize("eta", [0.001, 0.01, 0.03, 0.05, 0.1])
@pytest.mark.parametrize("rho", [0.0, 0.3, 0.6, 0.9, 0.99])
def test_momentum_rate_is_the_spectral_radius_of_the_iteration(eta, rho):
    lam = [1.0, 7.0, 40.0]
    # eigvals of a 2 x 2 matrix: backward stable, ~1e-15 relative; a double root (the
    # critical damping boundary) loses half the digits, ~1e-8
    assert momentum_rate(eta, rho, lam) == pytest.approx(
        _iteration_matrix_radius(eta, rho, lam), rel=1e-7
    )
    if rho == 0:
        assert momentum_rate(eta, rho, lam) == pytest.approx(gd_rate(eta, lam), rel=1e-15)


@pytest.mark.parametrize(("eta", "rho"), [(0.02, 0.5), (0.0331, 0.6694), (0.01, 0.9), (0.04, 0.0)])
def test_keras_style_sgd_momentum_converges_at_the_predicted_rate(eta, rho):
    # Keras' v = rho v - eta g, w += v is the heavy-ball recurrence, so on a quadratic its
    # error shrinks like r^k. Measured over the last half of 400 steps: the transient
    # (the other root's mode, smaller by (r2/r)^200) is negligible; the geometric mean of
    # an oscillating sequence can deviate by a factor up to (max/min amplitude)^(1/200), so
    # 2 % relative is a derived, not a fitted, margin.
    q = Quadratic([1.0, 100.0], angle=0.3)
    path = trajectory(q, SGD(eta, momentum=rho), [1.0, 1.0], 400)
    err = np.linalg.norm(path, axis=1)
    predicted = momentum_rate(eta, rho, q.eigenvalues)
    assert measured_rate(err) == pytest.approx(predicted, rel=0.02)


def test_optimal_momentum_beats_every_other_pair_on_a_grid():
    mu, big_l = 1.0, 100.0
    eta, rho, r = optimal_momentum(mu, big_l)
    assert momentum_rate(eta, rho, [mu, big_l]) == pytest.approx(r, rel=1e-6)
    assert r == pytest.approx(9 / 11, rel=1e-15)  # (sqrt(100) - 1) / (sqrt(100) + 1)
    best_gd = gd_rate(2 / (mu + big_l), [mu, big_l])
    assert best_gd == pytest.approx(99 / 101, rel=1e-12)
    grid = [
        momentum_rate(e, p, [mu, big_l])
        for e in np.linspace(0.001, 0.039, 60)
        for p in np.linspace(0, 0.98, 60)
    ]
    assert min(grid) >= r * (1 - 1e-9)


def test_stability_limit_two_over_lambda_max():
    q = Quadratic([1.0, 10.0])
    assert gd_rate(0.199, q.eigenvalues) < 1 < gd_rate(0.201, q.eigenvalues)
    stable = trajectory(q, SGD(0.199), [1.0, 1.0], 3000)
    unstable = trajectory(q, SGD(0.201), [1.0, 1.0], 3000)
    assert np.linalg.norm(stable[-1]) < 1e-2
    assert len(unstable) < 3001  # stopped once |w| > 1e6


@pytest.mark.parametrize("name", names())
def test_every_optimizer_runs_on_every_landscape(name):
    for land in LANDSCAPES:
        path = trajectory(land, get(name, learning_rate=1e-3), [0.5, 0.5], 5)
        assert path.shape == (6, 2) and np.all(np.isfinite(path))


def test_trajectory_is_exactly_what_the_optimizer_does():
    q = Quadratic([2.0, 3.0])
    path = trajectory(q, Adam(0.1), [1.0, -1.0], 3)
    w, opt = {"w": np.array([1.0, -1.0])}, Adam(0.1)
    for k in range(3):
        opt.step(w, {"w": q.gradient(w["w"])})
        np.testing.assert_array_equal(path[k + 1], w["w"])


@pytest.mark.parametrize(
    ("call", "exc", "name"),
    [
        (lambda: Quadratic([1.0, -1.0]), ValueError, "eigenvalues"),
        (lambda: Quadratic([1.0, 2.0, 3.0]), ValueError, "eigenvalues"),
        (lambda: Rosenbrock(b=0.0), ValueError, "b"),
        (lambda: Saddle().gradient([1.0, 2.0, 3.0]), ValueError, "w"),
        (lambda: trajectory("q", SGD(), [0, 0], 3), TypeError, "landscape"),
        (lambda: trajectory(Saddle(), "sgd", [0, 0], 3), TypeError, "optimizer"),
        (lambda: trajectory(Saddle(), SGD(), [0, np.nan], 3), ValueError, "start"),
        (lambda: trajectory(Saddle(), SGD(), [0, 0], 0), ValueError, "steps"),
        (lambda: momentum_rate(0.1, 1.0, [1.0]), ValueError, "rho"),
        (lambda: momentum_rate(-0.1, 0.5, [1.0]), ValueError, "eta"),
        (lambda: optimal_momentum(2.0, 1.0), ValueError, "L"),
        (lambda: measured_rate([1.0]), ValueError, "errors"),
    ],
)
def test_bad_input_names_the_parameter(call, exc, name):
    with pytest.raises(exc, match=name):
        call()


def test_on_grid_is_value_on_stacked_coordinates():
    x, y = np.meshgrid(np.linspace(-1, 1, 3), np.linspace(0, 2, 2))
    for land in LANDSCAPES:
        np.testing.assert_array_equal(land.on_grid(x, y), land.value(np.stack([x, y], axis=-1)))


@pytest.mark.filterwarnings("ignore:Animation was deleted")
def test_animate_trajectories_reveals_the_paths_frame_by_frame():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dlcore.plotting import animate_trajectories

    q = Quadratic([1.0, 4.0])
    paths = {
        "a": trajectory(q, SGD(0.1), [1.0, 1.0], 9),
        "b": trajectory(q, Adam(0.1), [1.0, 1.0], 4),
    }
    anim = animate_trajectories(q.on_grid, paths, (-1.5, 1.5), (-1.5, 1.5), frames=5)
    lines = anim._fig.axes[0].get_lines()[-2:]
    anim._func(0)  # first frame: ceil(10 / 5) = 2 points of the longest path
    assert [len(line.get_xdata()) for line in lines] == [2, 2]
    anim._func(4)  # last frame: everything
    assert [len(line.get_xdata()) for line in lines] == [10, 5]
    plt.close(anim._fig)
    with pytest.raises(ValueError, match="frames"):
        animate_trajectories(q.on_grid, paths, (-1, 1), (-1, 1), frames=1)
    with pytest.raises(ValueError, match="trajectories"):
        animate_trajectories(q.on_grid, {}, (-1, 1), (-1, 1))
