r"""The course's figures: one style and five plots that every chapter reuses.

Call :func:`use_course_style` once (the notebooks do it in their set-up cell); every
function here then draws with the same fonts, grid and colours. Each function labels
every axis, gives each panel a title, and returns the matplotlib ``Figure`` and the
``Axes`` it drew on, so a notebook can add lines, annotations or a different title.

Colours follow the palette of Okabe & Ito (2008, "Color Universal Design"), which
stays distinguishable for readers with the common forms of colour blindness; the
continuous colour map is viridis (van der Walt & Smith, 2015), which is perceptually
uniform and prints legibly in grey.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap, LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator

from dlcore._validation import (
    as_float_array,
    check_choice,
    check_finite,
    check_positive_int,
    check_real,
)

__all__ = [
    "COLORS",
    "COURSE_STYLE",
    "animate_trajectories",
    "animation_html",
    "plot_activation_gallery",
    "plot_decision_boundary",
    "plot_layer_stats",
    "plot_loss_contours",
    "plot_training_curves",
    "use_course_style",
]

#: Okabe-Ito colours, ordered so that the first few contrast most on white (yellow last).
COLORS = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)

#: The rcParams that :func:`use_course_style` sets.
COURSE_STYLE = {
    "figure.dpi": 100,  # keeps the embedded PNGs, and so the pages, light
    "savefig.dpi": 100,
    "figure.figsize": (6.4, 4.0),
    "figure.constrained_layout.use": True,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": plt.cycler(color=list(COLORS)),
    "image.cmap": "viridis",
    "lines.linewidth": 1.8,
}


def use_course_style() -> None:
    """Set matplotlib's rcParams to the course style (:data:`COURSE_STYLE`).

    Readable font sizes, a light grid, a colour cycle safe for colour-blind readers
    (Okabe & Ito, 2008), viridis for colour maps, constrained layout, and 100 dpi so
    the figures embedded in the book's pages stay small. Affects every figure created
    afterwards in this Python session.

    Example:
        >>> use_course_style()
        >>> plt.rcParams["axes.grid"], plt.rcParams["image.cmap"]
        (True, 'viridis')
    """
    plt.rcParams.update(COURSE_STYLE)


def _axes_or_new(ax: Axes | None, **subplot_kw: object) -> tuple[Figure, Axes]:
    if ax is None:
        fig, ax = plt.subplots(**subplot_kw)
        return fig, ax
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax.figure, ax


def _pair(value: object, name: str) -> tuple[float, float]:
    """Two finite real numbers from a tuple, list or array of length 2."""
    try:
        first, second = value
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair of numbers, got {value!r}") from None
    return check_real(first, f"{name}[0]"), check_real(second, f"{name}[1]")


def _check_limits(lim: object, name: str) -> tuple[float, float]:
    low, high = _pair(lim, name)
    if not low < high:
        raise ValueError(f"{name} must satisfy low < high, got ({low}, {high})")
    return low, high


def plot_activation_gallery(
    names: Sequence[str] | str,
    x: np.ndarray | None = None,
    axes: Sequence[Axes] | np.ndarray | None = None,
    *,
    ncols: int = 4,
) -> tuple[Figure, np.ndarray]:
    r"""Draw each activation :math:`f` and its derivative :math:`f'` in its own panel.

    Uses ``dlcore.activations.get(name)`` for :math:`f` (``.fn``, solid) and
    :math:`f'` (``.grad``, dashed), so the gallery shows exactly what the course's
    networks compute. Where :math:`f'` is near zero the unit saturates; where it is
    exactly zero over an interval the unit can die.

    Args:
        names: activation names (``"sigmoid"``, ``"relu"``, ...) or
            :class:`dlcore.activations.Activation` objects; a single name is allowed.
        x: 1-D grid of inputs, at least 2 finite points; default 401 points on
            :math:`[-5, 5]`.
        axes: axes to draw on, one per name (any shape); default: a new figure with
            ``ncols`` panels per row.
        ncols: panels per row of a new figure, >= 1.

    Returns:
        ``(fig, axes)``: the figure and a 1-D array of the ``len(names)`` axes used.

    Raises:
        ValueError: unknown activation name (``names[i]``), bad ``x`` or wrong number
            of ``axes``.

    Example:
        >>> fig, axes = plot_activation_gallery(["sigmoid", "relu"], ncols=2)
        >>> axes.shape
        (2,)
        >>> plt.close(fig)
    """
    from dlcore import activations

    if isinstance(names, str):
        names = [names]
    names = list(names)
    if not names:
        raise ValueError("names must contain at least one activation name")
    acts = []
    for i, name in enumerate(names):
        try:
            acts.append(activations.get(name))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"names[{i}] is not a dlcore activation: {exc}") from exc
    if x is None:
        x = np.linspace(-5.0, 5.0, 401)
    x = as_float_array(x, "x", ndim=1)
    check_finite(x, "x")
    if len(x) < 2:
        raise ValueError(f"x must have at least 2 points, got {len(x)}")
    if axes is None:
        ncols = min(check_positive_int(ncols, "ncols"), len(acts))
        nrows = -(-len(acts) // ncols)
        fig, grid = plt.subplots(
            nrows, ncols, figsize=(3.0 * ncols, 2.6 * nrows), squeeze=False, sharex=True
        )
        grid = grid.ravel()
        for extra in grid[len(acts) :]:
            fig.delaxes(extra)
        axes = grid[: len(acts)]
    else:
        axes = np.ravel(np.asarray(axes, dtype=object))
        if len(axes) != len(acts):
            raise ValueError(f"axes must hold one Axes per name ({len(acts)}), got {len(axes)}")
        fig = axes[0].figure
    for ax, act in zip(axes, acts, strict=True):
        ax.axhline(0.0, color="0.6", linewidth=0.8)
        ax.axvline(0.0, color="0.6", linewidth=0.8)
        ax.plot(x, act.fn(x), color=COLORS[0], label=r"$f(x)$")
        ax.plot(x, act.grad(x), color=COLORS[1], linestyle="--", label=r"$f'(x)$")
        ax.set_title(act.name)
        ax.set_xlabel("$x$")
        ax.set_ylabel(r"$f(x)$, $f'(x)$")
    axes[0].legend(loc="upper left")
    return fig, axes


def plot_layer_stats(
    stats: Sequence[np.ndarray] | Mapping[str, np.ndarray],
    labels: Sequence[str] | None = None,
    *,
    quantity: str = "activation",
    bins: int = 40,
    log_std: bool = False,
    value_range: tuple[float, float] | None = None,
) -> tuple[Figure, dict[str, object]]:
    r"""Per-layer statistics: mean and standard deviation per layer, and histograms.

    For layer :math:`l` with values :math:`v^{(l)}` (activations, pre-activations or
    gradients of all units and examples), the top panels show
    :math:`\operatorname{mean}(v^{(l)})` and :math:`\operatorname{std}(v^{(l)})` against
    :math:`l`; the bottom row shows one histogram per layer on a common x-range, so a
    distribution that collapses towards zero or piles up at the saturation values is
    visible at a glance (the figures of Glorot & Bengio, 2010, "Understanding the
    difficulty of training deep feedforward neural networks").

    Args:
        stats: one array per layer (any shape, flattened), or a mapping label -> array
            (then ``labels`` must be ``None``). Values must be finite. For a dlcore MLP:
            ``[s.activations for s in diagnostics.activation_stats(model, x)]``.
        labels: one label per layer; default ``"layer 1"``, ``"layer 2"``, ...
        quantity: what the values are, used in the axis labels (e.g. ``"gradient"``).
        bins: histogram bins, >= 1.
        log_std: log scale for the standard-deviation panel (gradients that vanish or
            explode span decades).
        value_range: common ``(low, high)`` of the histograms; default: the overall
            minimum and maximum.

    Returns:
        ``(fig, axes)`` with ``axes = {"mean": Axes, "std": Axes, "hist": [Axes, ...]}``.

    Raises:
        ValueError: empty ``stats``, an empty or non-finite layer (``stats[i]``), or
            ``labels`` of the wrong length.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> fig, parts = plot_layer_stats([rng.normal(size=100), 0.1 * rng.normal(size=100)])
        >>> plt.close(fig)
    """
    if isinstance(stats, Mapping):
        if labels is not None:
            raise ValueError("labels must be None when stats is a mapping (its keys are used)")
        labels, stats = list(stats.keys()), list(stats.values())
    elif isinstance(stats, np.ndarray) or not isinstance(stats, Sequence):
        raise TypeError(
            "stats must be a list of arrays (one per layer) or a dict label -> array, "
            f"got {type(stats).__name__}"
        )
    stats = list(stats)
    if not stats:
        raise ValueError("stats must contain at least one layer")
    values = []
    for i, v in enumerate(stats):
        v = as_float_array(v, f"stats[{i}]").astype(np.float64, copy=False).ravel()
        if v.size == 0:
            raise ValueError(f"stats[{i}] must not be empty")
        check_finite(v, f"stats[{i}]")
        values.append(v)
    n_layers = len(values)
    if labels is None:
        labels = [f"layer {i + 1}" for i in range(n_layers)]
    labels = [str(label) for label in labels]
    if len(labels) != n_layers:
        raise ValueError(f"labels must have one entry per layer ({n_layers}), got {len(labels)}")
    bins = check_positive_int(bins, "bins")
    if value_range is None:
        low = min(v.min() for v in values)
        high = max(v.max() for v in values)
        if low == high:
            low, high = low - 0.5, high + 0.5
    else:
        low, high = _check_limits(value_range, "value_range")

    fig = plt.figure(figsize=(max(8.0, 1.9 * n_layers), 5.5))
    grid = fig.add_gridspec(2, 2 * n_layers, height_ratios=(1.0, 1.0))
    ax_mean = fig.add_subplot(grid[0, :n_layers])
    ax_std = fig.add_subplot(grid[0, n_layers:])
    layer = np.arange(1, n_layers + 1)
    means = [v.mean() for v in values]
    stds = [v.std() for v in values]
    ax_mean.plot(layer, means, marker="o", color=COLORS[0])
    ax_std.plot(layer, stds, marker="o", color=COLORS[3])
    for ax, what in ((ax_mean, "mean"), (ax_std, "standard deviation")):
        ax.set_xticks(layer, labels, rotation=30 if n_layers > 6 else 0)
        ax.set_xlabel("layer")
        ax.set_ylabel(f"{what} of {quantity}")
        ax.set_title(f"{what} per layer")
    if log_std:
        ax_std.set_yscale("log")
    hist_axes = []
    for i, (v, label) in enumerate(zip(values, labels, strict=True)):
        ax = fig.add_subplot(grid[1, 2 * i : 2 * i + 2], sharey=hist_axes[0] if i else None)
        weights = np.full(v.size, 1.0 / v.size)  # fraction of values, comparable across sizes
        ax.hist(v, bins=bins, range=(low, high), weights=weights, color=COLORS[0])
        ax.set_title(label)
        ax.set_xlabel(quantity)
        ax.set_ylabel("fraction")
        ax.tick_params(axis="x", labelsize=8)
        hist_axes.append(ax)
    return fig, {"mean": ax_mean, "std": ax_std, "hist": hist_axes}


def plot_loss_contours(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    trajectories: Mapping[str, np.ndarray] | None = None,
    xlim: tuple[float, float] = (-2.0, 2.0),
    ylim: tuple[float, float] = (-2.0, 2.0),
    *,
    levels: int | Sequence[float] = 30,
    log_levels: bool = False,
    resolution: int = 200,
    minimum: tuple[float, float] | None = None,
    ax: Axes | None = None,
    xlabel: str = "$w_1$",
    ylabel: str = "$w_2$",
    title: str = "loss surface",
) -> tuple[Figure, Axes]:
    r"""Contours of a loss :math:`L(w_1, w_2)` with optimizer trajectories on top.

    Evaluates ``f`` on a ``resolution`` x ``resolution`` grid over ``xlim`` x ``ylim``
    and draws its level sets :math:`\{w : L(w) = c\}`; each trajectory
    :math:`w_0, w_1, \dots, w_T` is drawn as a line with a marker per step, a square
    at the start and a cross at the end. Ill-conditioned valleys show up as elongated
    ellipses, across which plain gradient descent zig-zags.

    Args:
        f: the loss as a function of two arrays of equal shape, evaluated elementwise
            (it receives ``np.meshgrid`` arrays; wrap a scalar-only function in
            ``np.vectorize``).
        trajectories: name -> array of shape ``(T, 2)`` (the iterates), may be empty or
            ``None``. Points outside the window are clipped by the axes.
        xlim, ylim: ``(low, high)`` of the window.
        levels: number of contour levels, or the levels themselves.
        log_levels: space ``levels`` (a count) geometrically between the smallest
            positive and the largest value, for losses spanning decades (the loss must be
            positive on the window).
        resolution: grid points per axis, >= 2.
        minimum: ``(w_1, w_2)`` of the minimum to mark with a star, optional.
        ax: axes to draw on; default: a new figure.
        xlabel, ylabel, title: the labels.

    Returns:
        ``(fig, ax)``.

    Raises:
        ValueError: ``f`` returns the wrong shape, a trajectory is not ``(T, 2)``,
            bad limits, or ``log_levels`` with non-positive loss values.

    Example:
        >>> path = np.array([[1.5, 1.0], [0.8, 0.4], [0.1, 0.05]])
        >>> fig, ax = plot_loss_contours(lambda a, b: a**2 + 4 * b**2, {"GD": path},
        ...                              minimum=(0.0, 0.0))
        >>> ax.get_xlabel()
        '$w_1$'
        >>> plt.close(fig)
    """
    x0, x1 = _check_limits(xlim, "xlim")
    y0, y1 = _check_limits(ylim, "ylim")
    resolution = check_positive_int(resolution, "resolution")
    if resolution < 2:
        raise ValueError(f"resolution must be >= 2, got {resolution}")
    trajectories = {} if trajectories is None else trajectories
    if not isinstance(trajectories, Mapping):
        raise TypeError(
            f"trajectories must be a dict name -> (T, 2) array, got {type(trajectories).__name__}"
        )
    paths = {}
    for name, path in trajectories.items():
        path = as_float_array(path, f"trajectories[{name!r}]", ndim=2)
        if path.shape[1] != 2 or len(path) == 0:
            raise ValueError(f"trajectories[{name!r}] must have shape (T, 2), got {path.shape}")
        paths[name] = path
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    z = np.asarray(f(gx, gy), dtype=np.float64)
    if z.shape != gx.shape:
        raise ValueError(
            f"f must map two arrays of shape {gx.shape} to one array of that shape "
            f"(elementwise), got shape {z.shape}"
        )
    norm = None
    if log_levels:
        if not isinstance(levels, int) or isinstance(levels, bool):
            raise TypeError("levels must be an int (a count) when log_levels=True")
        finite = z[np.isfinite(z)]
        if finite.size == 0 or finite.min() <= 0:
            raise ValueError("log_levels=True needs a loss that is positive on the window")
        levels = np.geomspace(finite.min(), finite.max(), levels)
        norm = LogNorm(vmin=levels[0], vmax=levels[-1])
    fig, ax = _axes_or_new(ax)
    contours = ax.contour(gx, gy, z, levels=levels, cmap="viridis", norm=norm, linewidths=1.0)
    colorbar = fig.colorbar(contours, ax=ax, ticks=LogLocator() if log_levels else None)
    colorbar.set_label("loss")
    for i, (name, path) in enumerate(paths.items()):
        color = COLORS[i % len(COLORS)]
        ax.plot(path[:, 0], path[:, 1], marker="o", markersize=3, color=color, label=name)
        ax.plot(*path[0], marker="s", markersize=7, color=color, linestyle="none")
        ax.plot(*path[-1], marker="X", markersize=8, color=color, linestyle="none")
    if minimum is not None:
        mx, my = _pair(minimum, "minimum")
        ax.plot(mx, my, marker="*", markersize=14, color="black", linestyle="none")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if paths:
        ax.legend(loc="best")
    return fig, ax


def plot_training_curves(
    histories: Mapping[str, Sequence[float] | np.ndarray],
    ylabel: str = "loss",
    *,
    logy: bool = False,
    xlabel: str = "step",
    x: Sequence[float] | np.ndarray | None = None,
    band: str = "std",
    ax: Axes | None = None,
    title: str | None = None,
) -> tuple[Figure, Axes]:
    r"""One curve per run: a single history, or the mean of several seeds with a band.

    A value of ``histories`` is either a sequence of length :math:`T` (one run) or an
    array of shape ``(S, T)`` (``S`` seeds); the latter is drawn as the mean over seeds
    :math:`\bar h_t = \tfrac1S \sum_s h_{s,t}` with a shaded band
    :math:`\bar h_t \pm \sigma_t` (``band="std"``, spread of single runs) or
    :math:`\bar h_t \pm \sigma_t / \sqrt{S}` (``band="sem"``, uncertainty of the mean).
    Non-finite values (a diverged run) leave gaps.

    Args:
        histories: name -> values (one line each, in the course colours).
        ylabel: what is plotted, e.g. ``"loss"`` or ``"accuracy"``.
        logy: log scale on the y axis.
        xlabel: ``"step"``, ``"epoch"``, ...
        x: x values shared by all curves (length T); default ``0, 1, ..., T-1``.
        band: ``"std"``, ``"sem"`` or ``"none"``.
        ax: axes to draw on; default: a new figure.
        title: default ``f"{ylabel} during training"``.

    Returns:
        ``(fig, ax)``; ``ax.get_lines()`` holds one line per history.

    Raises:
        ValueError: empty ``histories``, a value that is not 1-D or 2-D, or ``x`` of
            the wrong length.

    Example:
        >>> runs = np.array([[1.0, 0.6, 0.4], [1.1, 0.7, 0.5]])  # two seeds, three steps
        >>> fig, ax = plot_training_curves({"SGD": runs, "Adam": [0.9, 0.3, 0.1]})
        >>> [line.get_label() for line in ax.get_lines()]
        ['SGD (mean of 2)', 'Adam']
        >>> plt.close(fig)
    """
    if not isinstance(histories, Mapping):
        raise TypeError(
            f"histories must be a dict name -> sequence or (seeds, steps) array, "
            f"got {type(histories).__name__}"
        )
    if not histories:
        raise ValueError("histories must contain at least one run")
    band = check_choice(band, "band", ("std", "sem", "none"))
    curves = {}
    for name, h in histories.items():
        h = as_float_array(h, f"histories[{name!r}]", ndim=(1, 2))
        h = h.astype(np.float64, copy=False)
        if h.shape[-1] == 0 or h.shape[0] == 0:
            raise ValueError(f"histories[{name!r}] must not be empty, got shape {h.shape}")
        curves[name] = h
    if x is not None:
        x = as_float_array(x, "x", ndim=1)
        for name, h in curves.items():
            if h.shape[-1] != len(x):
                raise ValueError(
                    f"x must have one value per step of histories[{name!r}] "
                    f"({h.shape[-1]}), got {len(x)}"
                )
    fig, ax = _axes_or_new(ax)
    for i, (name, h) in enumerate(curves.items()):
        color = COLORS[i % len(COLORS)]
        steps = np.arange(h.shape[-1]) if x is None else x
        if h.ndim == 1:
            ax.plot(steps, h, color=color, label=name)
            continue
        mean = h.mean(axis=0)
        ax.plot(steps, mean, color=color, label=f"{name} (mean of {len(h)})")
        if band != "none":
            spread = h.std(axis=0)
            if band == "sem":
                spread = spread / np.sqrt(len(h))
            ax.fill_between(steps, mean - spread, mean + spread, color=color, alpha=0.25)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(f"{ylabel} during training" if title is None else title)
    ax.legend(loc="best")
    return fig, ax


def plot_decision_boundary(
    predict_fn: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    ax: Axes | None = None,
    *,
    resolution: int = 200,
    margin: float = 0.25,
    num_classes: int | None = None,
    title: str = "decision regions",
) -> tuple[Figure, Axes]:
    r"""Colour the plane by the predicted class and scatter the data on top.

    The class of each grid point :math:`g` is :math:`\hat y(g)`, taken from
    ``predict_fn``: either labels directly, or :math:`\arg\max_k s_k(g)` of per-class
    scores (logits or probabilities). The boundaries between the coloured regions are
    the model's decision boundaries.

    Args:
        predict_fn: maps an array of points ``(M, 2)`` to integer labels ``(M,)`` or to
            scores ``(M, K)``.
        x: the points, shape ``(N, 2)``.
        y: their integer labels, shape ``(N,)``.
        ax: axes to draw on; default: a new figure.
        resolution: grid points per axis, >= 2.
        margin: extra space around the data on each side, as a fraction of its range.
        num_classes: number of classes for the colours; default from ``y`` and the
            predictions.
        title: the title.

    Returns:
        ``(fig, ax)``.

    Raises:
        ValueError: ``x`` not ``(N, 2)``, ``y`` of another length or not integer
            labels, or ``predict_fn`` returning the wrong shape.

    Example:
        >>> x = np.array([[-1.0, 0.0], [1.0, 0.0]])
        >>> fig, ax = plot_decision_boundary(lambda p: (p[:, 0] > 0).astype(int), x,
        ...                                  np.array([0, 1]), resolution=20)
        >>> plt.close(fig)
    """
    x = as_float_array(x, "x", ndim=2)
    if x.shape[1] != 2 or len(x) == 0:
        raise ValueError(f"x must have shape (N, 2) with N >= 1, got {x.shape}")
    check_finite(x, "x")
    y = np.asarray(y)
    if y.shape != (len(x),) or y.dtype.kind not in "iu" or (y.size and y.min() < 0):
        raise ValueError(
            f"y must hold one non-negative integer label per row of x, shape ({len(x)},), "
            f"got shape {y.shape} and dtype {y.dtype}"
        )
    resolution = check_positive_int(resolution, "resolution")
    if resolution < 2:
        raise ValueError(f"resolution must be >= 2, got {resolution}")
    margin = check_real(margin, "margin")
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    low, high = x.min(axis=0), x.max(axis=0)
    pad = margin * np.where(high > low, high - low, 1.0)
    gx, gy = np.meshgrid(
        np.linspace(low[0] - pad[0], high[0] + pad[0], resolution),
        np.linspace(low[1] - pad[1], high[1] + pad[1], resolution),
    )
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    out = np.asarray(predict_fn(grid))
    m = len(grid)
    if out.ndim == 2 and out.shape[0] == m:
        pred = np.argmax(out, axis=1)
    elif out.shape == (m,) and out.dtype.kind in "iu":
        pred = out.astype(np.int64)
    else:
        raise ValueError(
            f"predict_fn must return integer labels of shape ({m},) or scores of shape "
            f"({m}, K) for points of shape ({m}, 2), got shape {out.shape}, dtype {out.dtype}"
        )
    k = int(max(y.max(initial=0), pred.max(initial=0))) + 1
    if num_classes is not None:
        num_classes = check_positive_int(num_classes, "num_classes")
        if num_classes < k:
            raise ValueError(f"num_classes must be >= {k} (labels seen), got {num_classes}")
        k = num_classes
    colors = [COLORS[i % len(COLORS)] for i in range(k)]
    fig, ax = _axes_or_new(ax)
    ax.contourf(
        gx,
        gy,
        pred.reshape(gx.shape),
        levels=np.arange(k + 1) - 0.5,
        cmap=ListedColormap(colors),
        alpha=0.3,
    )
    ax.scatter(
        x[:, 0],
        x[:, 1],
        c=[colors[label] for label in y],
        s=14,
        edgecolors="white",
        linewidths=0.4,
    )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title)
    return fig, ax


def animate_trajectories(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    trajectories: Mapping[str, np.ndarray],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    *,
    frames: int = 20,
    log_levels: bool = True,
    minimum: tuple[float, float] | None = None,
    title: str = "trajectories",
    figsize: tuple[float, float] = (4.2, 3.4),
):
    r"""An animation of optimizer trajectories on the contours of :math:`L(w_1, w_2)`.

    Draws the contours once (with :func:`plot_loss_contours`) and reveals every
    trajectory step by step over ``frames`` frames (frame :math:`k` shows the first
    :math:`\lceil k T / \text{frames} \rceil` steps), so the page stays light: show it
    with :func:`animation_html` (each frame one small JPEG), which plays on a static web
    page without a kernel. The caller closes the figure (``plt.close(anim._fig)``) after rendering.

    Args:
        f, xlim, ylim, log_levels, minimum, title: as for :func:`plot_loss_contours`.
        trajectories: name -> ``(T_i, 2)`` iterates (lengths may differ).
        frames: number of frames (>= 2).
        figsize: inches; small by default.

    Returns:
        A ``matplotlib.animation.FuncAnimation``.
    """
    from matplotlib import animation

    frames = check_positive_int(frames, "frames")
    if frames < 2:
        raise ValueError(f"frames must be >= 2, got {frames}")
    if not trajectories:
        raise ValueError("trajectories must name at least one path")
    paths = {k: as_float_array(v, f"trajectories[{k!r}]", ndim=2) for k, v in trajectories.items()}
    longest = max(len(p) for p in paths.values())
    fig, ax = plt.subplots(figsize=figsize)
    plot_loss_contours(
        f, None, xlim, ylim, log_levels=log_levels, minimum=minimum, ax=ax, title=title
    )
    lines = {
        k: ax.plot([], [], "-o", ms=2.5, lw=1.2, label=k, color=COLORS[i % len(COLORS)])[0]
        for i, k in enumerate(paths)
    }
    ax.legend(fontsize=7, loc="upper left")

    def draw(frame: int):
        upto = int(np.ceil((frame + 1) * longest / frames))
        for k, line in lines.items():
            line.set_data(paths[k][:upto, 0], paths[k][:upto, 1])
        return list(lines.values())

    return animation.FuncAnimation(fig, draw, frames=frames, interval=150, blit=False)


def animation_html(anim: object, alt: str, *, dpi: int = 60, frame_format: str = "jpeg") -> str:
    """An animation as a self-contained HTML player that works offline and is accessible.

    Matplotlib's ``to_jshtml`` embeds every frame (as ``frame_format``, at ``dpi``) and a
    player; this also removes the player's link to a font-icon stylesheet on a CDN (the
    course site is offline; the buttons keep their labels), gives the frame image the
    ``alt`` text and the frame slider an accessible name.

    Args:
        anim: a ``matplotlib.animation.Animation``.
        alt: what the animation shows, for screen readers.
        dpi: resolution of the embedded frames (page weight grows with its square).
        frame_format: ``"jpeg"`` (small) or ``"png"``.

    Returns:
        The HTML, to show with ``IPython.display.HTML``.

    Example:
        >>> import matplotlib.pyplot as plt
        >>> from matplotlib.animation import FuncAnimation
        >>> fig, ax = plt.subplots()
        >>> (line,) = ax.plot([0, 1], [0, 1])
        >>> anim = FuncAnimation(fig, lambda i: (line.set_xdata([0, i]),), frames=2)
        >>> html = animation_html(anim, "a line that tilts")
        >>> "maxcdn" in html, 'alt="a line that tilts"' in html
        (False, True)
        >>> plt.close(fig)
    """
    import html as _html
    import re

    from matplotlib.animation import Animation

    if not isinstance(anim, Animation):
        raise TypeError(f"anim must be a matplotlib Animation, got {type(anim).__name__}")
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("alt must describe the animation in words")
    check_choice(frame_format, "frame_format", ("jpeg", "png"))
    with plt.rc_context({"savefig.dpi": dpi, "animation.frame_format": frame_format}):
        text = anim.to_jshtml(default_mode="once")
    text = re.sub(r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*">', "", text)
    text = re.sub(r'<img id="(_anim_img\w+)">', rf'<img id="\1" alt="{_html.escape(alt)}">', text)
    return re.sub(r'(<input id="_anim_slider\w+" type="range")', r'\1 aria-label="frame"', text)
