r"""Offline data sets that make the course's effects visible in seconds.

Three kinds, all returned as a :class:`Dataset` (float64 features, int64 labels, a
train/test split) and all deterministic given ``seed``:

* **2-D toy sets** -- :func:`spirals`, :func:`moons`, :func:`circles`, :func:`xor` --
  small enough to train on in a second and to draw decision boundaries for. Each one
  draws from its own ``numpy.random.default_rng(seed)``; global random state is never
  touched.
* **MNIST-1D** -- :func:`mnist1d` -- 10 classes of 40-sample 1-D signals, 4000 training
  and 1000 test examples, generated procedurally by the ``mnist1d`` package (Greydanus &
  Kobak, 2024, "Scaling down deep learning with MNIST-1D"). Unlike the 2-D sets, a
  simple MLP does not reach 100 % on it, so differences between activations,
  initialisations and optimizers show up in the accuracy. Generation takes a few
  seconds, so the arrays are cached on disk (see :func:`cache_dir`).
* **Real images** -- CIFAR-10 and MNIST through ``keras.datasets`` -- only when the
  scale switch says ``"full"`` (argument ``scale="full"`` of :func:`load` or the
  environment variable ``DLCORE_SCALE=full``). They are downloaded once and then read
  from Keras' cache (``~/.keras/datasets``, or ``$KERAS_HOME/datasets``).

Why ``seed`` and not an ``rng`` argument (the convention everywhere else in dlcore): a
data set is a fixed object, named by its seed. ``spirals(seed=1)`` is the same set in
every chapter and every run, whatever the caller drew from its generators before, and
the MNIST-1D arrays are cached on disk under a key made of the package version and the
seed, which a generator's state could not provide.

The scale switch lets a notebook ask for ``load("mnist")``: at the default scale
``"small"`` it gets MNIST-1D (offline, seconds); with ``DLCORE_SCALE=full`` the same
cell loads the real MNIST images, so a GPU user can rerun the chapter's key
experiments on real data without editing it.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlcore._validation import (
    as_float_array,
    check_bool,
    check_choice,
    check_in_range,
    check_positive,
    check_positive_int,
)

__all__ = [
    "IMAGE_NAMES",
    "NAMES",
    "SHAPE_CLASSES",
    "Dataset",
    "cache_dir",
    "circles",
    "color_shapes",
    "load",
    "mnist1d",
    "moons",
    "spirals",
    "xor",
]

#: Names accepted by :func:`load` that are generated offline.
NAMES = ("spirals", "moons", "circles", "xor", "mnist1d")
#: Names accepted by :func:`load` that are real image sets (downloaded at scale "full").
IMAGE_NAMES = ("mnist", "cifar10")
SCALES = ("small", "full")


@dataclass(frozen=True, eq=False)
class Dataset:
    """A classification data set with a fixed train/test split.

    Attributes:
        x_train: features, shape ``(N_train, ...)``, float64 (``(N, D)`` for the
            generated sets, ``(N, H, W, C)`` for images unless flattened).
        y_train: integer class labels in ``[0, num_classes)``, shape ``(N_train,)``, int64.
        x_test: features of the test set, shape ``(N_test, ...)``, float64.
        y_test: labels of the test set, shape ``(N_test,)``, int64.
        name: what the data is (``"spirals"``, ``"mnist1d"``, ``"cifar10"``, ...).
        num_classes: number of classes.

    The constructor converts the arrays to float64/int64 and checks that the shapes
    and labels are consistent, so a hand-made subset is checked too.

    Example:
        >>> d = Dataset(np.zeros((4, 2)), [0, 1, 0, 1], np.ones((2, 2)), [1, 0], "toy", 2)
        >>> d, d.y_train.dtype
        (Dataset(name='toy', num_classes=2, x_train=(4, 2), x_test=(2, 2)), dtype('int64'))
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    name: str
    num_classes: int

    def __post_init__(self) -> None:
        num_classes = check_positive_int(self.num_classes, "num_classes")
        for split in ("train", "test"):
            x = as_float_array(getattr(self, f"x_{split}"), f"x_{split}").astype(
                np.float64, copy=False
            )
            y = np.asarray(getattr(self, f"y_{split}"))
            if x.ndim < 2:
                raise ValueError(f"x_{split} must be at least 2-dimensional, got shape {x.shape}")
            if y.ndim != 1 or y.dtype.kind not in "iu":
                raise ValueError(
                    f"y_{split} must be a 1-D integer array, got shape {y.shape}, dtype {y.dtype}"
                )
            if len(y) != len(x):
                raise ValueError(
                    f"y_{split} must have one label per row of x_{split}: "
                    f"got {len(y)} labels for {len(x)} rows"
                )
            if y.size and (y.min() < 0 or y.max() >= num_classes):
                raise ValueError(
                    f"y_{split} must lie in [0, {num_classes}) (num_classes={num_classes}), "
                    f"got values in [{y.min()}, {y.max()}]"
                )
            object.__setattr__(self, f"x_{split}", x)
            object.__setattr__(self, f"y_{split}", y.astype(np.int64, copy=False))
        if self.x_train.shape[1:] != self.x_test.shape[1:]:
            raise ValueError(
                "x_train and x_test must have the same feature shape, got "
                f"{self.x_train.shape[1:]} and {self.x_test.shape[1:]}"
            )
        object.__setattr__(self, "num_classes", num_classes)

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, num_classes={self.num_classes}, "
            f"x_train={self.x_train.shape}, x_test={self.x_test.shape})"
        )


# --------------------------------------------------------------------------- 2-D sets


def _check_common(
    n_samples: object, noise: object, seed: object, test_fraction: object, num_classes: int
) -> tuple[int, float, np.random.Generator, float]:
    n = check_positive_int(n_samples, "n_samples")
    noise = check_positive(noise, "noise", allow_zero=True)
    seed = check_positive_int(seed, "seed", allow_zero=True)
    frac = check_in_range(
        test_fraction, "test_fraction", 0.0, 1.0, low_inclusive=False, high_inclusive=False
    )
    if n < 2 * num_classes:
        raise ValueError(
            f"n_samples must be >= {2 * num_classes} (one training and one test point per "
            f"class), got {n}"
        )
    return n, noise, np.random.default_rng(seed), frac


def _class_sizes(n: int, num_classes: int) -> list[int]:
    """Split ``n`` points as evenly as possible: the first ``n % k`` classes get one more."""
    return [n // num_classes + (k < n % num_classes) for k in range(num_classes)]


def _split(
    parts: list[np.ndarray], test_fraction: float, rng: np.random.Generator, name: str
) -> Dataset:
    """Stratified split of per-class point sets (each i.i.d.), then shuffle each split.

    Class ``k`` with ``n_k`` points gives ``round(test_fraction * n_k)`` of them (at least
    one, at most ``n_k - 1``) to the test set, so both splits keep the class balance.
    """
    xs = {"train": [], "test": []}
    ys = {"train": [], "test": []}
    for label, pts in enumerate(parts):
        n_test = min(max(round(test_fraction * len(pts)), 1), len(pts) - 1)
        for split, chunk in (("test", pts[:n_test]), ("train", pts[n_test:])):
            xs[split].append(chunk)
            ys[split].append(np.full(len(chunk), label, dtype=np.int64))
    arrays = {}
    for split in ("train", "test"):
        x = np.concatenate(xs[split])
        y = np.concatenate(ys[split])
        order = rng.permutation(len(y))
        arrays[f"x_{split}"], arrays[f"y_{split}"] = x[order], y[order]
    return Dataset(**arrays, name=name, num_classes=len(parts))


def spirals(
    n_samples: int = 900,
    noise: float = 0.05,
    seed: int = 0,
    test_fraction: float = 0.25,
    *,
    num_classes: int = 3,
) -> Dataset:
    r"""Interleaved spiral arms, one per class: the classic "not linearly separable" set.

    A point of class :math:`k` (of :math:`K`) at radius :math:`r \sim U(0, 1)` sits at

    .. math::

        \theta = \frac{2\pi k}{K} + \frac{3\pi}{2}\, r, \qquad
        x = r\,(\cos\theta, \sin\theta) + \sigma\,\epsilon, \quad
        \epsilon \sim \mathcal{N}(0, I_2),

    so each arm winds three quarters of a turn out of the origin. Near the centre the
    arms meet, so even a perfect classifier errs on a few points.

    Args:
        n_samples: total number of points (train + test), split as evenly as possible
            over the classes; at least ``2 * num_classes``.
        noise: standard deviation :math:`\sigma` of the Gaussian noise added to each
            coordinate, >= 0.
        seed: seed of the private ``numpy.random.Generator`` (global state untouched).
        test_fraction: share of each class that goes to the test set, in (0, 1).
        num_classes: number of arms, >= 2.

    Returns:
        A :class:`Dataset` with features of shape ``(N, 2)`` and ``num_classes`` classes.

    Example:
        >>> d = spirals(n_samples=90, seed=1)
        >>> d
        Dataset(name='spirals', num_classes=3, x_train=(66, 2), x_test=(24, 2))
        >>> bool(np.array_equal(d.x_train, spirals(n_samples=90, seed=1).x_train))
        True
    """
    k_total = check_positive_int(num_classes, "num_classes")
    if k_total < 2:
        raise ValueError(f"num_classes must be >= 2, got {k_total}")
    n, noise, rng, frac = _check_common(n_samples, noise, seed, test_fraction, k_total)
    parts = []
    for k, size in enumerate(_class_sizes(n, k_total)):
        r = rng.uniform(0.0, 1.0, size)
        theta = 2 * np.pi * k / k_total + 1.5 * np.pi * r
        pts = r[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1)
        parts.append(pts + noise * rng.standard_normal((size, 2)))
    return _split(parts, frac, rng, "spirals")


def moons(
    n_samples: int = 600, noise: float = 0.15, seed: int = 0, test_fraction: float = 0.25
) -> Dataset:
    r"""Two interleaving half circles (two classes).

    With :math:`t \sim U(0, \pi)`, class 0 lies on :math:`(\cos t, \sin t)` and class 1
    on :math:`(1 - \cos t, \tfrac12 - \sin t)`; both are shifted by
    :math:`(-\tfrac12, -\tfrac14)` so the set is centred near the origin, and Gaussian
    noise of standard deviation :math:`\sigma` is added to each coordinate.

    Args:
        n_samples: total number of points (train + test), at least 4.
        noise: noise standard deviation :math:`\sigma`, >= 0.
        seed: seed of the private ``numpy.random.Generator``.
        test_fraction: share of each class that goes to the test set, in (0, 1).

    Returns:
        A :class:`Dataset` with features of shape ``(N, 2)`` and 2 classes.

    Example:
        >>> moons(seed=0)
        Dataset(name='moons', num_classes=2, x_train=(450, 2), x_test=(150, 2))
    """
    n, noise, rng, frac = _check_common(n_samples, noise, seed, test_fraction, 2)
    parts = []
    for k, size in enumerate(_class_sizes(n, 2)):
        t = rng.uniform(0.0, np.pi, size)
        if k == 0:
            pts = np.stack([np.cos(t), np.sin(t)], axis=1)
        else:
            pts = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
        pts = pts - np.array([0.5, 0.25])
        parts.append(pts + noise * rng.standard_normal((size, 2)))
    return _split(parts, frac, rng, "moons")


def circles(
    n_samples: int = 600,
    noise: float = 0.08,
    seed: int = 0,
    test_fraction: float = 0.25,
    *,
    factor: float = 0.5,
) -> Dataset:
    r"""Two concentric circles (two classes): class 0 outside, class 1 inside.

    With :math:`t \sim U(0, 2\pi)`, class 0 lies on the unit circle
    :math:`(\cos t, \sin t)` and class 1 on the circle of radius ``factor``; Gaussian
    noise of standard deviation :math:`\sigma` is added to each coordinate. No line
    separates them; a single hidden layer does.

    Args:
        n_samples: total number of points (train + test), at least 4.
        noise: noise standard deviation :math:`\sigma`, >= 0.
        seed: seed of the private ``numpy.random.Generator``.
        test_fraction: share of each class that goes to the test set, in (0, 1).
        factor: radius of the inner circle, in (0, 1).

    Returns:
        A :class:`Dataset` with features of shape ``(N, 2)`` and 2 classes.

    Example:
        >>> circles(seed=0).num_classes
        2
    """
    factor = check_in_range(factor, "factor", 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    n, noise, rng, frac = _check_common(n_samples, noise, seed, test_fraction, 2)
    parts = []
    for radius, size in zip((1.0, factor), _class_sizes(n, 2), strict=True):
        t = rng.uniform(0.0, 2 * np.pi, size)
        pts = radius * np.stack([np.cos(t), np.sin(t)], axis=1)
        parts.append(pts + noise * rng.standard_normal((size, 2)))
    return _split(parts, frac, rng, "circles")


def xor(
    n_samples: int = 600, noise: float = 0.05, seed: int = 0, test_fraction: float = 0.25
) -> Dataset:
    r"""The XOR problem: the label is 1 when the two coordinates have different signs.

    Points are drawn uniformly from the square :math:`[-1, 1]^2`, class by class (class 0
    in the first and third quadrants, class 1 in the second and fourth), and then moved
    by Gaussian noise of standard deviation :math:`\sigma`, so points near the axes may
    cross into the other class's quadrant. Famously not solvable by a single linear
    unit (Minsky & Papert, 1969, *Perceptrons*).

    Args:
        n_samples: total number of points (train + test), at least 4.
        noise: noise standard deviation :math:`\sigma`, >= 0.
        seed: seed of the private ``numpy.random.Generator``.
        test_fraction: share of each class that goes to the test set, in (0, 1).

    Returns:
        A :class:`Dataset` with features of shape ``(N, 2)`` and 2 classes.

    Example:
        >>> xor(n_samples=100, seed=0).x_test.shape  # a quarter of each class, rounded
        (24, 2)
    """
    n, noise, rng, frac = _check_common(n_samples, noise, seed, test_fraction, 2)
    parts = []
    for k, size in enumerate(_class_sizes(n, 2)):
        magnitude = rng.uniform(0.0, 1.0, (size, 2))
        sign = rng.choice([-1.0, 1.0], size)
        signs = np.stack([sign, sign if k == 0 else -sign], axis=1)
        parts.append(magnitude * signs + noise * rng.standard_normal((size, 2)))
    return _split(parts, frac, rng, "xor")


# --------------------------------------------------------------------------- MNIST-1D


def cache_dir() -> Path:
    """Directory where dlcore caches generated data.

    ``$DLCORE_CACHE`` if set, else ``$XDG_CACHE_HOME/dlcore``, else ``~/.cache/dlcore``.
    It is created on first use; deleting it is always safe (the data is regenerated).

    Returns:
        The directory (a ``pathlib.Path``).

    Example:
        >>> cache_dir().name
        'dlcore'
    """
    if os.environ.get("DLCORE_CACHE"):
        return Path(os.environ["DLCORE_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "dlcore"


def _mnist1d_args(seed: int):
    """The ``mnist1d`` package's default generation arguments, with our seed."""
    try:
        from mnist1d.data import get_dataset_args
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "dlcore.data.mnist1d needs the 'mnist1d' package: pip install mnist1d "
            "(it is in requirements.txt)"
        ) from exc
    args = get_dataset_args()
    args.seed = seed
    return args


def _mnist1d_cache_file(seed: int) -> Path:
    """Cache file name keyed by the package version (which fixes its default arguments)
    and the seed; found without importing ``mnist1d`` (scipy, matplotlib: about 1 s)."""
    try:
        version = importlib.metadata.version("mnist1d")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        version = "unknown"
    return cache_dir() / f"mnist1d-{version}-seed{seed}.npz"


def _generate_mnist1d(seed: int) -> dict[str, np.ndarray]:
    """Run ``mnist1d.data.make_dataset`` without leaving a trace in global random state.

    ``make_dataset`` reseeds Python's ``random`` and NumPy's legacy global generator
    (``np.random.seed``) and draws from them; both states are saved and restored, so a
    caller's own ``np.random`` stream continues as if nothing had happened.
    """
    args = _mnist1d_args(seed)
    from mnist1d.data import make_dataset

    np_state = np.random.get_state()  # noqa: NPY002 - saving the caller's legacy state
    py_state = random.getstate()
    try:
        raw = make_dataset(args)
    finally:
        np.random.set_state(np_state)  # noqa: NPY002 - restoring the caller's legacy state
        random.setstate(py_state)
    return {
        "x_train": raw["x"],
        "y_train": raw["y"],
        "x_test": raw["x_test"],
        "y_test": raw["y_test"],
    }


def _read_cache(path: Path) -> dict[str, np.ndarray] | None:
    """Arrays from a cache file, or ``None`` if it is missing or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as f:
            return {key: f[key] for key in ("x_train", "y_train", "x_test", "y_test")}
    except (OSError, KeyError, ValueError):
        return None


def _write_cache(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write atomically (temporary file + rename); a read-only cache is skipped silently."""
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def mnist1d(seed: int = 0, *, cache: bool = True) -> Dataset:
    r"""MNIST-1D: 10 classes of 1-D signals with 40 features; 4000 train, 1000 test.

    Each example is one of ten fixed 12-point templates (one per digit, drawn as 1-D
    curves) that is randomly padded, stretched, scaled by a factor in
    :math:`[0.8, 1.2]`, circularly shifted by 0 to 47 positions, filled with
    spatially correlated noise where it was padded, perturbed by i.i.d. Gaussian noise,
    sheared (a random linear trend is added) and finally resampled to 40 points. The
    40 features are therefore the signal's values at 40 equally spaced positions;
    the whole set is standardised to mean 0 and standard deviation 1 (over all
    entries, not per feature). Class counts are only approximately equal (the split
    is a random 80/20 cut of 500 examples per class).

    The examples come from ``mnist1d.data.make_dataset`` with the package's default
    arguments and ``seed`` (``seed=42`` reproduces the package's own default set); the
    package's downloading ``get_dataset`` is never used. ``make_dataset`` reseeds the
    global NumPy and Python generators; this function restores both afterwards.
    Generation takes about 4 s of CPU, so the arrays are cached as ``.npz`` in
    :func:`cache_dir`, keyed by the package version and the seed.


    Args:
        seed: seed passed to ``make_dataset``, in ``[0, 2**32)``.
        cache: read/write the on-disk cache (``False`` always regenerates).

    Returns:
        A :class:`Dataset` with ``x_train`` of shape ``(4000, 40)``, ``x_test`` of shape
        ``(1000, 40)`` and 10 classes.

    Example:
        The first call takes seconds and writes the cache, so this one is not run as a
        test (``tests/test_data.py`` checks the same):

        >>> mnist1d(seed=0)  # doctest: +SKIP
        Dataset(name='mnist1d', num_classes=10, x_train=(4000, 40), x_test=(1000, 40))

    References:
        S. Greydanus, D. Kobak (2024), "Scaling down deep learning with MNIST-1D", ICML,
        https://arxiv.org/abs/2011.14439
    """
    seed = check_positive_int(seed, "seed", allow_zero=True)
    cache = check_bool(cache, "cache")
    if seed >= 2**32:
        raise ValueError(f"seed must be < 2**32 for mnist1d (NumPy's legacy seed), got {seed}")
    arrays = None
    if cache:
        path = _mnist1d_cache_file(seed)
        arrays = _read_cache(path)
    if arrays is None:
        arrays = _generate_mnist1d(seed)
        if cache:
            _write_cache(path, arrays)
    return Dataset(**arrays, name="mnist1d", num_classes=10)


# --------------------------------------------------------------------------- the switch


def _keras_load_data(name: str):
    """``keras.datasets.<name>.load_data()``: the only code that touches the network."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import keras
    except ImportError as exc:
        raise ImportError(
            f"scale='full' loads {name} through keras.datasets, but Keras is not installed: "
            "pip install tensorflow, or use scale='small'"
        ) from exc
    return getattr(keras.datasets, name).load_data()  # pragma: no cover - network


def _load_images(name: str, flatten: bool) -> Dataset:
    """Real images via Keras (downloaded once, then read from Keras' cache)."""
    try:
        (x_train, y_train), (x_test, y_test) = _keras_load_data(name)
    except ImportError:
        raise
    except Exception as exc:
        raise RuntimeError(
            f"Could not load {name!r} with keras.datasets.{name}.load_data() "
            f"({type(exc).__name__}: {exc}). The download failed: this machine seems to be "
            "offline or cannot reach the download server. To proceed, either use the "
            "offline substitute (scale='small', or unset DLCORE_SCALE), or download the "
            "data once on a machine with internet access by running "
            f'`python -c "import keras; keras.datasets.{name}.load_data()"` and copy '
            "~/.keras/datasets (or $KERAS_HOME/datasets) to this machine."
        ) from exc

    def features(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64) / 255.0
        if x.ndim == 3:  # MNIST is (N, 28, 28): add the channel axis
            x = x[..., None]
        return x.reshape(len(x), -1) if flatten else x

    return Dataset(
        x_train=features(x_train),
        y_train=np.asarray(y_train).reshape(-1).astype(np.int64),
        x_test=features(x_test),
        y_test=np.asarray(y_test).reshape(-1).astype(np.int64),
        name=name,
        num_classes=10,
    )


def load(name: str, *, scale: str | None = None, seed: int = 0, flatten: bool = False) -> Dataset:
    r"""Load a course data set by name, honouring the scale switch.

    ``scale`` is the argument if given, else the environment variable ``DLCORE_SCALE``,
    else ``"small"``.

    ============================  =========================  ==============================
    name                          scale ``"small"``          scale ``"full"``
    ============================  =========================  ==============================
    spirals, moons, circles, xor  the generator's defaults   the same (scale has no effect)
    mnist1d                       :func:`mnist1d`            the same
    mnist                         :func:`mnist1d` (offline   MNIST, 60000/10000 images
                                  substitute)                28x28x1 (Keras)
    cifar10                       :func:`mnist1d` (offline   CIFAR-10, 50000/10000 images
                                  substitute)                32x32x3 (Keras)
    ============================  =========================  ==============================

    At scale ``"small"`` the image names deliberately return MNIST-1D, the small
    10-class stand-in the notebooks are written for, so that the same cell runs
    offline in seconds and on real images with ``DLCORE_SCALE=full``. Check
    ``Dataset.name`` to see which one you got. Real images are scaled to ``[0, 1]``,
    kept as ``(N, H, W, C)`` float64 arrays (about 1.5 GB for CIFAR-10) unless
    ``flatten=True``, and use the official train/test split (``seed`` is then unused).
    The download happens once; afterwards Keras reads its cache (``~/.keras/datasets``).

    Args:
        name: one of ``spirals``, ``moons``, ``circles``, ``xor``, ``mnist1d``,
            ``mnist``, ``cifar10``.
        scale: ``"small"`` or ``"full"``; ``None`` reads ``DLCORE_SCALE``.
        seed: seed for the generated sets.
        flatten: reshape image features to ``(N, H*W*C)`` (for MLPs); no effect on
            sets that are already 2-D.

    Returns:
        The :class:`Dataset`.

    Raises:
        ValueError: unknown ``name`` or ``scale`` (or ``DLCORE_SCALE``).
        RuntimeError: scale ``"full"`` and the download failed (e.g. offline); the
            message says how to proceed.

    Example:
        >>> load("moons", scale="small")
        Dataset(name='moons', num_classes=2, x_train=(450, 2), x_test=(150, 2))
    """
    check_choice(name, "name", NAMES + IMAGE_NAMES)
    flatten = check_bool(flatten, "flatten")
    if scale is None:
        env = os.environ.get("DLCORE_SCALE", "small")
        check_choice(env.strip().lower(), "the environment variable DLCORE_SCALE", SCALES)
        scale = env.strip().lower()
    else:
        check_choice(scale, "scale", SCALES)
    if name in IMAGE_NAMES:
        if scale == "full":
            return _load_images(name, flatten)
        name = "mnist1d"
    if name == "mnist1d":
        return mnist1d(seed)
    return {"spirals": spirals, "moons": moons, "circles": circles, "xor": xor}[name](seed=seed)


# --------------------------------------------------------------------------- colour images

#: Class names of :func:`color_shapes`, in label order.
SHAPE_CLASSES = ("disc", "square", "ring", "stripes")


def color_shapes(
    n_train: int = 2000,
    n_test: int = 500,
    seed: int = 0,
    *,
    image_size: int = 32,
    noise: float = 10.0,
) -> Dataset:
    r"""Small colour images of four kinds of shape, drawn procedurally (offline, < 1 s).

    Each image is ``image_size`` x ``image_size`` x 3 with 8-bit values (integers in
    ``[0, 255]``, stored as float64 like every :class:`Dataset`): a warm "sky"
    background that brightens towards the top, with its own random tint, and one
    shape of random colour, position and size. The label says which shape:
    ``0`` disc, ``1`` square, ``2`` ring, ``3`` horizontal stripes (``SHAPE_CLASSES``).
    Pixel noise :math:`\mathcal N(0, \text{noise}^2)` is added before rounding and
    clipping.

    The statistics are deliberately like those of photographs: the per-channel means
    differ (red brightest, blue darkest) and are far from zero, the channels have
    different spreads, and the mean image is not flat (brighter at the top), so
    per-pixel and per-channel centring give different results. Classes are balanced
    (label ``i % 4`` for image ``i``, then shuffled).

    Args:
        n_train, n_test: number of training and test images (each >= 4).
        seed: seed of the private generator; the same seed gives the same images.
        image_size: height and width in pixels (>= 16).
        noise: standard deviation of the pixel noise in 8-bit units (>= 0).

    Returns:
        A :class:`Dataset` named ``"color_shapes"`` with ``x`` of shape
        ``(N, image_size, image_size, 3)`` and 4 classes.

    Example:
        >>> d = color_shapes(40, 8, seed=1)
        >>> d.x_train.shape, d.num_classes, float(d.x_train.max()) <= 255
        ((40, 32, 32, 3), 4, True)
    """
    n_train = check_positive_int(n_train, "n_train")
    n_test = check_positive_int(n_test, "n_test")
    if min(n_train, n_test) < 4:
        raise ValueError(f"n_train and n_test must be >= 4, got {n_train} and {n_test}")
    seed = check_positive_int(seed, "seed", allow_zero=True)
    size = check_positive_int(image_size, "image_size")
    if size < 16:
        raise ValueError(f"image_size must be >= 16, got {size}")
    noise = check_positive(noise, "noise", allow_zero=True)
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    labels = rng.permutation(np.arange(n) % len(SHAPE_CLASSES))
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    s = size / 32.0  # geometry is specified for 32 x 32 and scaled
    cx = rng.uniform(11 * s, 21 * s, (n, 1, 1))
    cy = rng.uniform(11 * s, 21 * s, (n, 1, 1))
    r = rng.uniform(5 * s, 9 * s, (n, 1, 1))
    dx, dy = xx - cx, yy - cy
    dist = np.sqrt(dx**2 + dy**2)
    box = np.maximum(np.abs(dx), np.abs(dy))
    masks = {
        0: dist < r,
        1: box < 0.85 * r,
        2: np.abs(dist - 0.8 * r) < 1.6 * s,
        3: (box < 0.9 * r) & (np.floor((yy - cy) / (2 * s)) % 2 == 0),
    }
    mask = np.zeros((n, size, size), dtype=bool)
    for k, m in masks.items():
        mask[labels == k] = m[labels == k]
    # Background: per-channel base (R > G > B) with a per-image tint of channel-dependent
    # spread, brightening towards the top; shape colour uniform in the cube.
    base = np.array([150.0, 115.0, 70.0]) + rng.normal(0, 1, (n, 3)) * np.array([35.0, 25.0, 12.0])
    ramp = (1.0 - yy / size)[None, :, :, None] * np.array([50.0, 40.0, 25.0])
    background = base[:, None, None, :] + ramp
    colour = rng.uniform(0, 255, (n, 1, 1, 3))
    images = np.where(mask[..., None], colour, background)
    images = images + noise * rng.standard_normal(images.shape)
    images = np.clip(np.rint(images), 0, 255)
    return Dataset(
        x_train=images[:n_train],
        y_train=labels[:n_train].astype(np.int64),
        x_test=images[n_train:],
        y_test=labels[n_train:].astype(np.int64),
        name="color_shapes",
        num_classes=len(SHAPE_CLASSES),
    )
