"""Tests for dlcore.plotting: style, labelled axes, right number of panels/lines, errors."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import LogNorm, to_hex

from dlcore import activations, plotting


@pytest.fixture(autouse=True)
def close_figures():
    """Each test starts with the default style and leaves no open figures behind."""
    with matplotlib.rc_context():
        yield
    plt.close("all")


def assert_labelled(ax):
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()


# ---------------------------------------------------------------------- style


def test_use_course_style_sets_the_rcparams():
    plotting.use_course_style()
    assert plt.rcParams["figure.dpi"] == 100
    assert plt.rcParams["axes.grid"] is True
    assert plt.rcParams["font.size"] >= 10
    cycle = [to_hex(c["color"]).upper() for c in plt.rcParams["axes.prop_cycle"]]
    assert cycle == list(plotting.COLORS)
    assert len(set(plotting.COLORS)) == len(plotting.COLORS)
    fig, ax = plt.subplots()
    assert fig.dpi == 100
    (line,) = ax.plot([0, 1])
    assert to_hex(line.get_color()).upper() == plotting.COLORS[0]


# ---------------------------------------------------------------------- activation gallery


def test_gallery_draws_every_activation_and_its_derivative():
    names = activations.names()
    x = np.linspace(-3, 3, 61)
    fig, axes = plotting.plot_activation_gallery(names, x=x)
    assert len(axes) == len(names)
    assert len(fig.axes) == len(names)  # unused grid cells are removed
    for ax, name in zip(axes, names, strict=True):
        assert_labelled(ax)
        assert ax.get_title() == name
        act = activations.get(name)
        solid, dashed = ax.get_lines()[-2:]  # after the two reference lines at 0
        np.testing.assert_array_equal(solid.get_ydata(), act.fn(x))
        np.testing.assert_array_equal(dashed.get_ydata(), act.grad(x))
        assert dashed.get_linestyle() == "--"
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == ["$f(x)$", "$f'(x)$"]


def test_gallery_single_name_default_grid_and_given_axes():
    _fig, axes = plotting.plot_activation_gallery("tanh")
    assert len(axes) == 1 and axes[0].get_title() == "tanh"
    assert len(axes[0].get_lines()[-1].get_xdata()) == 401  # the default grid
    fig2, grid = plt.subplots(1, 2)
    out_fig, out_axes = plotting.plot_activation_gallery(["relu", "elu"], axes=grid)
    assert out_fig is fig2 and list(out_axes) == list(grid)
    _, axes = plotting.plot_activation_gallery(["relu"] * 5, ncols=2)
    assert len(axes[0].figure.axes) == 5


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"names": ["relu", "relux"]}, ValueError, r"names\[1\] is not a dlcore activation"),
        ({"names": []}, ValueError, "names must contain at least one"),
        ({"names": ["relu"], "x": [0.0]}, ValueError, "x must have at least 2 points"),
        ({"names": ["relu"], "x": np.ones((2, 2))}, ValueError, "x must be 1-dimensional"),
        ({"names": ["relu"], "x": [0.0, np.nan]}, ValueError, "x contains NaN"),
        ({"names": ["relu"], "ncols": 0}, ValueError, "ncols must be >= 1"),
    ],
)
def test_gallery_rejects_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        plotting.plot_activation_gallery(**kwargs)


def test_gallery_rejects_wrong_number_of_axes():
    _, grid = plt.subplots(1, 3)
    with pytest.raises(ValueError, match=r"axes must hold one Axes per name \(2\), got 3"):
        plotting.plot_activation_gallery(["relu", "tanh"], axes=grid)


# ---------------------------------------------------------------------- layer statistics


def test_layer_stats_panels_values_and_log_scale(rng):
    layers = [rng.standard_normal((50, 8)) * 0.5**i + i for i in range(4)]
    fig, axes = plotting.plot_layer_stats(layers, quantity="gradient", log_std=True)
    assert len(axes["hist"]) == 4 and len(fig.axes) == 6
    for ax in [axes["mean"], axes["std"], *axes["hist"]]:
        assert_labelled(ax)
    assert "gradient" in axes["std"].get_ylabel() and axes["hist"][0].get_xlabel() == "gradient"
    assert axes["std"].get_yscale() == "log" and axes["mean"].get_yscale() == "linear"
    np.testing.assert_allclose(axes["mean"].get_lines()[0].get_ydata(), [v.mean() for v in layers])
    np.testing.assert_allclose(axes["std"].get_lines()[0].get_ydata(), [v.std() for v in layers])
    assert [ax.get_title() for ax in axes["hist"]] == [f"layer {i}" for i in range(1, 5)]
    # Heights are fractions of each layer's 400 values (all inside the common range).
    for ax in axes["hist"]:
        np.testing.assert_allclose(sum(p.get_height() for p in ax.patches), 1.0)


def test_layer_stats_from_a_dict_with_constant_values():
    _fig, axes = plotting.plot_layer_stats({"in": np.zeros(5), "out": np.zeros(3)}, bins=4)
    assert [ax.get_title() for ax in axes["hist"]] == ["in", "out"]
    assert [t.get_text() for t in axes["mean"].get_xticklabels()] == ["in", "out"]
    assert axes["hist"][0].get_xlim()[0] < 0 < axes["hist"][0].get_xlim()[1]


def test_layer_stats_value_range_clips_the_histograms(rng):
    _, axes = plotting.plot_layer_stats([rng.uniform(-2, 2, 1000)], value_range=(-1, 1), bins=10)
    edges = [p.get_x() for p in axes["hist"][0].patches]
    assert min(edges) == pytest.approx(-1.0)
    # Only values inside [-1, 1] are counted: about half of a U(-2, 2) sample
    # (binomial sd = 0.5 / sqrt(1000) ~ 0.016; 0.08 is five of them).
    total = sum(p.get_height() for p in axes["hist"][0].patches)
    assert abs(total - 0.5) < 0.08


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (([],), {}, ValueError, "stats must contain at least one layer"),
        (([np.ones(3), np.array([])],), {}, ValueError, r"stats\[1\] must not be empty"),
        (([np.ones(3), np.array([1.0, np.inf])],), {}, ValueError, r"stats\[1\] contains NaN"),
        (([np.ones(3)], ["a", "b"]), {}, ValueError, "labels must have one entry per layer"),
        (({"a": np.ones(3)}, ["a"]), {}, ValueError, "labels must be None when stats is a"),
        ((np.ones((2, 3)),), {}, TypeError, "stats must be a list of arrays"),
        (([np.ones(3)],), {"bins": 0}, ValueError, "bins must be >= 1"),
        (([np.ones(3)],), {"value_range": (1, -1)}, ValueError, "value_range must satisfy"),
        (([np.ones(3)],), {"value_range": 5}, ValueError, "value_range must be a pair"),
    ],
)
def test_layer_stats_rejects_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        plotting.plot_layer_stats(*args, **kwargs)


# ---------------------------------------------------------------------- loss contours


def rosenbrock(a, b):
    return (1 - a) ** 2 + 100 * (b - a**2) ** 2


def test_loss_contours_with_trajectories():
    paths = {"SGD": np.array([[-1.5, 2.0], [-1.0, 1.0], [0.0, 0.0]]), "Adam": np.zeros((1, 2))}
    fig, ax = plotting.plot_loss_contours(
        rosenbrock, paths, xlim=(-2, 2), ylim=(-1, 3), minimum=(1, 1), resolution=50
    )
    assert_labelled(ax)
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_ylim() == (-1.0, 3.0)
    # Per trajectory: the path, a start and an end marker; plus the star at the minimum.
    assert len(ax.get_lines()) == 3 * 2 + 1
    np.testing.assert_array_equal(ax.get_lines()[0].get_xydata(), paths["SGD"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["SGD", "Adam"]
    colorbar_ax = fig.axes[-1]
    assert colorbar_ax.get_ylabel() == "loss"


def test_loss_contours_log_levels_are_geometric():
    _, ax = plotting.plot_loss_contours(
        rosenbrock, xlim=[-2, 2], ylim=np.array([-1, 3]), levels=12, log_levels=True, resolution=40
    )
    contour = ax.collections[0]
    ratios = np.diff(np.log(contour.levels))
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)
    assert isinstance(contour.norm, LogNorm)
    assert ax.get_legend() is None  # no trajectories, no legend


def test_loss_contours_draws_on_given_axes():
    fig, given = plt.subplots()
    out_fig, out_ax = plotting.plot_loss_contours(
        lambda a, b: a**2 + b**2, None, title="bowl", xlabel="a", ylabel="b", resolution=20
    )
    assert out_ax.get_title() == "bowl" and out_ax.get_xlabel() == "a"
    out_fig, out_ax = plotting.plot_loss_contours(lambda a, b: a + b, {}, ax=given, resolution=9)
    assert out_ax is given and out_fig is fig


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"f": lambda a, b: 1.0}, ValueError, "f must map two arrays of shape"),
        ({"trajectories": {"gd": np.zeros((3, 3))}}, ValueError, r"'gd'\] must have shape"),
        ({"trajectories": {"gd": np.zeros((0, 2))}}, ValueError, r"'gd'\] must have shape"),
        ({"trajectories": [np.zeros((3, 2))]}, TypeError, "trajectories must be a dict"),
        ({"xlim": (1, 1)}, ValueError, "xlim must satisfy low < high"),
        ({"ylim": (0, np.inf)}, ValueError, r"ylim\[1\] must be finite"),
        ({"resolution": 1}, ValueError, "resolution must be >= 2"),
        ({"f": lambda a, b: a, "log_levels": True}, ValueError, "loss that is positive"),
        ({"log_levels": True, "levels": [1.0, 2.0]}, TypeError, "levels must be an int"),
        ({"minimum": (1.0,)}, ValueError, "minimum must be a pair"),
        ({"ax": "axes"}, TypeError, "ax must be a matplotlib Axes"),
    ],
)
def test_loss_contours_rejects_bad_input(kwargs, error, match):
    args = {"f": rosenbrock, "resolution": 10, **kwargs}
    with pytest.raises(error, match=match):
        plotting.plot_loss_contours(**args)


# ---------------------------------------------------------------------- training curves


def test_training_curves_single_runs_and_seed_bands(rng):
    seeds = np.exp(-np.linspace(0, 3, 20)) * (1 + 0.1 * rng.random((5, 20)))
    histories = {"relu": seeds, "tanh": list(np.linspace(1, 0.5, 20))}
    _fig, ax = plotting.plot_training_curves(histories, "loss", logy=True)
    assert_labelled(ax)
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "step"
    assert len(ax.get_lines()) == 2
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), seeds.mean(axis=0))
    np.testing.assert_array_equal(ax.get_lines()[1].get_xdata(), np.arange(20))
    assert len(ax.collections) == 1  # one band, for the multi-seed entry only
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["relu (mean of 5)", "tanh"]


@pytest.mark.parametrize("band", ["std", "sem", "none"])
def test_training_curves_band_width(band, rng):
    h = rng.standard_normal((4, 10)) + 5.0
    _, ax = plotting.plot_training_curves({"a": h}, "accuracy", band=band, x=np.arange(1, 11))
    assert ax.get_yscale() == "linear"
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), np.arange(1, 11))
    if band == "none":
        assert len(ax.collections) == 0
        return
    top = ax.collections[0].get_paths()[0].vertices[:, 1].max()
    spread = h.std(axis=0) / (np.sqrt(4) if band == "sem" else 1.0)
    np.testing.assert_allclose(top, (h.mean(axis=0) + spread).max())


def test_training_curves_on_given_axes_with_title():
    fig, given = plt.subplots()
    out_fig, out_ax = plotting.plot_training_curves(
        {"run": [3.0, 2.0, np.nan]}, "loss", ax=given, title="a diverged run", xlabel="epoch"
    )
    assert out_ax is given and out_fig is fig
    assert given.get_title() == "a diverged run" and given.get_xlabel() == "epoch"


@pytest.mark.parametrize(
    ("histories", "kwargs", "error", "match"),
    [
        ({}, {}, ValueError, "histories must contain at least one run"),
        ([1.0, 2.0], {}, TypeError, "histories must be a dict"),
        ({"a": np.ones((2, 2, 2))}, {}, ValueError, r"histories\['a'\] must be 1 or 2-dim"),
        ({"a": []}, {}, ValueError, r"histories\['a'\] must not be empty"),
        ({"a": [1.0, 2.0]}, {"x": [0.0]}, ValueError, "x must have one value per step"),
        ({"a": [1.0, 2.0]}, {"band": "ci"}, ValueError, "band must be one of"),
    ],
)
def test_training_curves_rejects_bad_input(histories, kwargs, error, match):
    with pytest.raises(error, match=match):
        plotting.plot_training_curves(histories, **kwargs)


# ---------------------------------------------------------------------- decision boundary


def quadrant_labels(points):
    return (points[:, 0] > 0).astype(np.int64) + 2 * (points[:, 1] > 0)


def test_decision_boundary_labels_and_scores_agree(rng):
    x = rng.uniform(-1, 1, (40, 2))
    y = quadrant_labels(x)
    seen = []

    def predict(points):
        seen.append(points)
        return quadrant_labels(points)

    _fig, ax = plotting.plot_decision_boundary(predict, x, y, resolution=30, margin=0.5)
    assert_labelled(ax)
    grid = seen[0]
    assert grid.shape == (900, 2)
    # The grid covers the data plus half its range on each side.
    span = x.max(axis=0) - x.min(axis=0)
    np.testing.assert_allclose(grid.min(axis=0), x.min(axis=0) - 0.5 * span)
    np.testing.assert_allclose(grid.max(axis=0), x.max(axis=0) + 0.5 * span)
    # Points are coloured by class in the course palette.
    faces = [to_hex(c).upper() for c in ax.collections[-1].get_facecolors()]
    assert faces == [plotting.COLORS[label] for label in y]

    # Scores (M, K) give the same regions through argmax.
    _, ax2 = plotting.plot_decision_boundary(
        lambda p: np.eye(4)[quadrant_labels(p)] * 3.0 - 1.0, x, y, resolution=30, margin=0.5
    )
    regions = [p.vertices for p in ax.collections[0].get_paths()]
    regions2 = [p.vertices for p in ax2.collections[0].get_paths()]
    assert len(regions) == len(regions2) == 4
    for a, b in zip(regions, regions2, strict=True):
        np.testing.assert_array_equal(a, b)


def test_decision_boundary_given_axes_and_num_classes():
    fig, given = plt.subplots()
    x = np.array([[0.0, 0.0], [1.0, 1.0]])
    out_fig, out_ax = plotting.plot_decision_boundary(
        lambda p: np.zeros(len(p), dtype=int), x, np.array([0, 1]), given, num_classes=3
    )
    assert out_ax is given and out_fig is fig
    assert len(given.collections[0].levels) == 4  # boundaries of 3 classes


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"x": np.zeros((3, 3))}, r"x must have shape \(N, 2\)"),
        ({"y": np.array([0, 1])}, "y must hold one non-negative integer label per row"),
        ({"y": np.array([0.0, 1.0, 1.0])}, "y must hold one non-negative integer label"),
        ({"y": np.array([0, -1, 1])}, "y must hold one non-negative integer label"),
        ({"predict_fn": lambda p: p[:, 0]}, "predict_fn must return integer labels"),
        ({"predict_fn": lambda p: np.zeros(3, dtype=int)}, "predict_fn must return integer"),
        ({"num_classes": 1}, "num_classes must be >= 2"),
        ({"margin": -0.1}, "margin must be >= 0"),
        ({"resolution": 1}, "resolution must be >= 2"),
    ],
)
def test_decision_boundary_rejects_bad_input(kwargs, match):
    args = {
        "predict_fn": lambda p: (p[:, 0] > 0).astype(int),
        "x": np.array([[-1.0, 0.0], [1.0, 0.0], [0.5, 0.5]]),
        "y": np.array([0, 1, 1]),
        "resolution": 5,
        **kwargs,
    }
    with pytest.raises(ValueError, match=match):
        plotting.plot_decision_boundary(**args)


def test_animation_html_is_offline_and_accessible():
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    fig, ax = plt.subplots()
    (line,) = ax.plot([0, 1], [0, 1])
    anim = FuncAnimation(fig, lambda i: (line.set_xdata([0, i]),), frames=3)
    html = plotting.animation_html(anim, 'paths "drawn" step by step', frame_format="png")
    plt.close(fig)
    assert "http" not in html.split("<script", 1)[0]  # no stylesheet from outside
    assert 'alt="paths &quot;drawn&quot; step by step"' in html
    assert 'type="range" aria-label="frame"' in html
    assert html.count("data:image/png;base64") == 3
    with pytest.raises(ValueError, match="alt"):
        plotting.animation_html(anim, " ")
    with pytest.raises(TypeError, match="Animation"):
        plotting.animation_html(fig, "x")
    with pytest.raises(ValueError, match="frame_format"):
        plotting.animation_html(anim, "x", frame_format="gif")
