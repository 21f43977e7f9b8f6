r"""Input preprocessing as fit/transform objects: centering, standardization, PCA, whitening.

Every class follows one pattern. ``fit(x_train)`` computes statistics from the
*training* data only and stores them in attributes whose names end in ``_``
(``mean_``, ``components_``, ...); ``transform(x)`` applies those stored statistics to
any data (training, validation or test) and never looks at other rows of ``x``;
``inverse_transform(z)`` undoes the map where that is possible. Computing the mean or
the whitening matrix on the test set, or on train and test together, would leak
information about the test set into the model and make test scores optimistic.

Why preprocess at all? LeCun, Bottou, Orr & Müller (1998, "Efficient BackProp")
show that gradient descent converges fastest when every input has mean zero
(otherwise all weights into a unit are pushed in the same direction and the descent
zig-zags), similar variances, and no correlations between inputs (decorrelation
makes the Hessian closer to diagonal). Centering and standardization achieve the first
two; PCA and ZCA whitening achieve all three.

Covariances use the biased estimate :math:`\Sigma = \tfrac1N X_c^\top X_c` (divide by
:math:`N`, the statistics of the training set itself), so a whitened training set has
exactly the covariance stated in the docstrings.
"""

from __future__ import annotations

import numpy as np

from dlcore._validation import as_float_array, check_choice, check_finite, check_positive

__all__ = [
    "PCA",
    "Centerer",
    "ImageStandardizer",
    "MinMaxScaler",
    "PCAWhitening",
    "Standardizer",
    "ZCAWhitening",
    "variance_kept",
]


class _Transformer:
    """Shared plumbing: fitted-state check, input checks, ``fit_transform``."""

    _ndim: int = 2

    def _check_fitted(self, method: str) -> None:
        if not hasattr(self, "mean_"):
            raise ValueError(
                f"{type(self).__name__} is not fitted: call fit(x_train) before {method}()"
            )

    def _input(self, x: object, name: str = "x") -> np.ndarray:
        arr = as_float_array(x, name, ndim=self._ndim).astype(np.float64, copy=False)
        check_finite(arr, name)
        return arr

    def _training_input(self, x: object) -> np.ndarray:
        """``_input`` for ``fit``: statistics need at least one example."""
        arr = self._input(x)
        if len(arr) == 0:
            raise ValueError("x must contain at least one example, got 0")
        return arr

    def _check_features(self, got: tuple[int, ...], name: str, expected: tuple[int, ...]) -> None:
        if got != expected:
            raise ValueError(
                f"{name} must have feature shape {expected} (as the data given to fit), got {got}"
            )

    def fit_transform(self, x: np.ndarray) -> np.ndarray:
        """``fit(x)`` followed by ``transform(x)``, for the training set."""
        return self.fit(x).transform(x)


class Centerer(_Transformer):
    r"""Subtract a mean computed on the training data.

    .. math::

        \tilde x = x - \mu

    ``mode`` says over which axes :math:`\mu` is averaged:

    * ``"feature"``: ``x`` is ``(N, D)``; :math:`\mu` is the per-feature mean, shape
      ``(D,)``. Each input then has zero mean, which is what LeCun et al. (1998,
      "Efficient BackProp") recommend for faster gradient descent.
    * ``"pixel"``: ``x`` is an image batch ``(N, H, W, C)``; :math:`\mu` is the mean
      image, shape ``(H, W, C)`` (one mean per pixel and channel), as used for AlexNet
      (Krizhevsky, Sutskever & Hinton, 2012). Numerically this is ``"feature"`` on
      flattened images.
    * ``"channel"``: ``x`` is ``(N, H, W, C)``; :math:`\mu` has one value per colour
      channel, shape ``(C,)``, averaged over all images and positions, as used for VGG
      (Simonyan & Zisserman, 2015). Images of another height/width can be transformed.

    Attributes:
        mean_: the fitted mean, shape ``(D,)``, ``(H, W, C)`` or ``(C,)``.
    """

    def __init__(self, mode: str = "feature") -> None:
        self.mode = check_choice(mode, "mode", ("feature", "pixel", "channel"))
        self._ndim = 2 if mode == "feature" else 4

    def _input(self, x: object, name: str = "x") -> np.ndarray:
        arr = np.asarray(x) if not isinstance(x, (str, bytes)) and x is not None else None
        if arr is not None and arr.ndim != self._ndim:
            layout = "(N, D)" if self.mode == "feature" else "(N, H, W, C)"
            other = (
                "use mode='pixel' or 'channel' for image batches"
                if self.mode == "feature"
                else "use mode='feature' for (N, D) arrays"
            )
            raise ValueError(
                f"{name} must be {self._ndim}-dimensional {layout} for mode={self.mode!r} "
                f"({other}), got shape {arr.shape}"
            )
        return super()._input(x, name)

    def fit(self, x: np.ndarray) -> Centerer:
        """Compute the mean of ``x`` (``(N, D)`` or ``(N, H, W, C)``, N >= 1); returns self."""
        x = self._training_input(x)
        axes = (0, 1, 2) if self.mode == "channel" else 0
        self.mean_ = x.mean(axis=axes)
        return self

    def _check(self, x: object, name: str, method: str) -> np.ndarray:
        self._check_fitted(method)
        x = self._input(x, name)
        got = x.shape[-1:] if self.mode == "channel" else x.shape[1:]  # channel: only C
        self._check_features(got, name, self.mean_.shape)
        return x

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Return ``x - mean_`` (same shape as ``x``)."""
        return self._check(x, "x", "transform") - self.mean_

    def inverse_transform(self, z: np.ndarray) -> np.ndarray:
        """Return ``z + mean_``."""
        return self._check(z, "z", "inverse_transform") + self.mean_


class Standardizer(_Transformer):
    r"""Per-feature standardization (z-scores) with training statistics.

    .. math::

        \tilde x_j = \frac{x_j - \mu_j}{\sigma_j}

    with :math:`\mu_j` and :math:`\sigma_j` the mean and (biased) standard deviation of
    feature :math:`j` on the training set, so every training feature has mean 0 and
    variance 1 (LeCun et al., 1998, "Efficient BackProp"). A feature that is constant
    on the training set has :math:`\sigma_j = 0`; it is only centred
    (``scale_`` is 1 there) instead of dividing by zero.

    Input ``x`` has shape ``(N, D)``.

    Attributes:
        mean_: per-feature mean, shape ``(D,)``.
        scale_: per-feature standard deviation (1 where it is 0), shape ``(D,)``.
    """

    def fit(self, x: np.ndarray) -> Standardizer:
        """Compute per-feature mean and standard deviation of ``x`` (N >= 1); returns self."""
        x = self._training_input(x)
        std = x.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1.0)
        self.mean_ = x.mean(axis=0)
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Return ``(x - mean_) / scale_``, shape ``(N, D)``."""
        self._check_fitted("transform")
        x = self._input(x)
        self._check_features(x.shape[1:], "x", self.mean_.shape)
        return (x - self.mean_) / self.scale_

    def inverse_transform(self, z: np.ndarray) -> np.ndarray:
        """Return ``z * scale_ + mean_``."""
        self._check_fitted("inverse_transform")
        z = self._input(z, "z")
        self._check_features(z.shape[1:], "z", self.mean_.shape)
        return z * self.scale_ + self.mean_


def _sorted_eigh(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (descending, clipped at 0) and unit eigenvectors (columns) of ``cov``.

    Eigenvectors are only defined up to sign; each is flipped so that its entry of
    largest magnitude is positive, which makes the result reproducible.
    """
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1]
    values = np.clip(values[order], 0.0, None)  # rounding can give -1e-17 for 0
    vectors = vectors[:, order]
    pivot = vectors[np.argmax(np.abs(vectors), axis=0), np.arange(vectors.shape[1])]
    return values, vectors * np.where(pivot < 0, -1.0, 1.0)


class PCA(_Transformer):
    r"""Principal component analysis: project centred data onto the top eigenvectors.

    With the training covariance :math:`\Sigma = \tfrac1N X_c^\top X_c = V \Lambda V^\top`
    (eigenvalues :math:`\lambda_1 \ge \dots \ge \lambda_D \ge 0`) and :math:`V_k` its
    first :math:`k` eigenvectors,

    .. math::

        z = (x - \mu) V_k, \qquad \hat x = z V_k^\top + \mu .

    The components of :math:`z` are uncorrelated on the training set with variances
    :math:`\lambda_1, \dots, \lambda_k`; the mean squared reconstruction error is
    :math:`\sum_{j > k} \lambda_j` (zero when :math:`k = D`). Reference: Pearson (1901),
    "On lines and planes of closest fit to systems of points in space"; Hotelling (1933).

    Args:
        n_components: :math:`k`, in ``[1, D]``; ``None`` keeps all ``D``.

    Attributes:
        mean_: training mean, shape ``(D,)``.
        components_: :math:`V_k^\top`, the principal directions as rows, shape
            ``(k, D)``; the largest-magnitude entry of each row is positive.
        explained_variance_: :math:`\lambda_1, \dots, \lambda_k`, shape ``(k,)``.
        explained_variance_ratio_: :math:`\lambda_j / \sum_{i=1}^D \lambda_i`, shape ``(k,)``.
    """

    def __init__(self, n_components: int | None = None) -> None:
        if n_components is not None and (
            isinstance(n_components, bool) or not isinstance(n_components, (int, np.integer))
        ):
            raise TypeError(
                f"n_components must be an integer or None, got {type(n_components).__name__}"
            )
        if n_components is not None and n_components < 1:
            raise ValueError(f"n_components must be >= 1 (or None for all), got {n_components}")
        self.n_components = None if n_components is None else int(n_components)

    def fit(self, x: np.ndarray) -> PCA:
        """Fit on ``x`` of shape ``(N, D)`` with N >= 2; returns self."""
        x = self._input(x)
        n, d = x.shape
        if n < 2:
            raise ValueError(f"x must have at least 2 rows to estimate a covariance, got {n}")
        k = d if self.n_components is None else self.n_components
        if k > d:
            raise ValueError(f"n_components must be <= the number of features D={d}, got {k}")
        mean = x.mean(axis=0)
        xc = x - mean
        values, vectors = _sorted_eigh(xc.T @ xc / n)
        total = values.sum()
        self.components_ = vectors[:, :k].T
        self.explained_variance_ = values[:k]
        self.explained_variance_ratio_ = values[:k] / total if total > 0 else np.zeros(k)
        self.mean_ = mean
        return self

    def _centred(self, x: object, method: str) -> np.ndarray:
        self._check_fitted(method)
        x = self._input(x)
        self._check_features(x.shape[1:], "x", self.mean_.shape)
        return x - self.mean_

    def _reduced(self, z: object) -> np.ndarray:
        self._check_fitted("inverse_transform")
        z = self._input(z, "z")
        self._check_features(z.shape[1:], "z", (len(self.components_),))
        return z

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Project ``x`` ``(N, D)`` onto the components: returns ``(N, k)``."""
        return self._centred(x, "transform") @ self.components_.T

    def inverse_transform(self, z: np.ndarray) -> np.ndarray:
        """Map ``z`` ``(N, k)`` back to input space ``(N, D)`` (exact when k = D)."""
        return self._reduced(z) @ self.components_ + self.mean_


class PCAWhitening(PCA):
    r"""PCA whitening: rotate onto the principal axes, then rescale each to unit variance.

    .. math::

        z = (x - \mu)\, V_k \,(\Lambda_k + \epsilon I)^{-1/2}

    On the training set :math:`z` has the diagonal covariance
    :math:`\Lambda_k (\Lambda_k + \epsilon I)^{-1}`, i.e. each entry
    :math:`\lambda_j / (\lambda_j + \epsilon)`, which is the identity up to
    :math:`\epsilon / (\lambda_j + \epsilon)`.

    **Role of** :math:`\epsilon`: without it, a direction with tiny variance
    :math:`\lambda_j` (often pure noise, or exactly 0 when :math:`N \le D`) would be
    multiplied by :math:`1/\sqrt{\lambda_j}`, blowing the noise up or dividing by zero.
    With it, directions with :math:`\lambda_j \gg \epsilon` are whitened and those with
    :math:`\lambda_j \ll \epsilon` are left small. Choose it relative to the variance
    scale of the data (e.g. ~0.1 for pixel values in [0, 1] whose noise you don't want
    amplified; the default 1e-5 suits standardised features).

    Reference: LeCun et al. (1998), "Efficient BackProp" (decorrelated, equal-variance
    inputs); Krizhevsky (2009), "Learning Multiple Layers of Features from Tiny Images".

    Args:
        n_components: number of components kept, in ``[1, D]``; ``None`` keeps all.
        epsilon: regulariser :math:`\epsilon > 0` added to the eigenvalues.

    Attributes:
        whitening_matrix_: :math:`V_k (\Lambda_k + \epsilon I)^{-1/2}`, shape ``(D, k)``
            (plus every attribute of :class:`PCA`).
    """

    def __init__(self, n_components: int | None = None, *, epsilon: float = 1e-5) -> None:
        super().__init__(n_components)
        self.epsilon = check_positive(epsilon, "epsilon")

    def fit(self, x: np.ndarray) -> PCAWhitening:
        """Fit on ``x`` of shape ``(N, D)`` with N >= 2; returns self."""
        super().fit(x)
        self._scale = np.sqrt(self.explained_variance_ + self.epsilon)
        self.whitening_matrix_ = self.components_.T / self._scale
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Whiten ``x`` ``(N, D)``: returns ``(N, k)``."""
        return self._centred(x, "transform") @ self.whitening_matrix_

    def inverse_transform(self, z: np.ndarray) -> np.ndarray:
        r"""Undo the whitening: :math:`z (\Lambda_k+\epsilon I)^{1/2} V_k^\top + \mu`, (N, D)."""
        return (self._reduced(z) * self._scale) @ self.components_ + self.mean_


class ZCAWhitening(PCAWhitening):
    r"""ZCA ("zero-phase") whitening: PCA whitening rotated back to the input axes.

    .. math::

        W = V (\Lambda + \epsilon I)^{-1/2} V^\top, \qquad z = (x - \mu) W

    :math:`W` is symmetric and uses all :math:`D` directions, so :math:`z` lives in the
    same coordinates as :math:`x` (for images: still an image, with edges emphasised).
    Among all whitening transforms (all :math:`W` with :math:`W^\top \Sigma W = I`, which
    differ by a rotation) it is the one whose output is closest to the centred input in
    mean squared distance (Kessy, Lewin & Strimmer, 2018, "Optimal whitening and
    decorrelation"). :math:`\epsilon` plays the same role as in :class:`PCAWhitening`.

    References: Bell & Sejnowski (1997), "The 'independent components' of natural
    scenes are edge filters"; Krizhevsky (2009), "Learning Multiple Layers of Features
    from Tiny Images" (ZCA on CIFAR-10).

    Args:
        epsilon: regulariser :math:`\epsilon > 0` added to the eigenvalues.

    Attributes:
        whitening_matrix_: :math:`W`, symmetric, shape ``(D, D)`` (plus every attribute
            of :class:`PCA`, with all ``D`` components).
    """

    def __init__(self, *, epsilon: float = 1e-5) -> None:
        super().__init__(None, epsilon=epsilon)

    def fit(self, x: np.ndarray) -> ZCAWhitening:
        """Fit on ``x`` of shape ``(N, D)`` with N >= 2; returns self."""
        super().fit(x)
        self.whitening_matrix_ = self.whitening_matrix_ @ self.components_
        return self

    def inverse_transform(self, z: np.ndarray) -> np.ndarray:
        r"""Undo the whitening: :math:`z V (\Lambda+\epsilon I)^{1/2} V^\top + \mu`, (N, D)."""
        z = self._reduced(z)
        return ((z @ self.components_.T) * self._scale) @ self.components_ + self.mean_


class MinMaxScaler(_Transformer):
    r"""Per-feature min-max scaling to ``feature_range`` with training statistics.

    .. math::

        \tilde x_j = a + (b - a)\,\frac{x_j - m_j}{M_j - m_j}

    with :math:`m_j, M_j` the minimum and maximum of feature :math:`j` on the training
    set and :math:`[a, b]` = ``feature_range``. Training data land in :math:`[a, b]`;
    test data can fall outside it (a test value above the training maximum maps above
    :math:`b`): the map is fitted once and then applied as it is. A feature that is
    constant on the training set is only shifted to :math:`a` (its range is taken as 1).
    Dividing 8-bit pixels by 255 is this map with the *nominal* range
    :math:`m = 0, M = 255` instead of the fitted one.

    Reference: LeCun, Bottou, Orr & Müller (1998), "Efficient BackProp",
    https://doi.org/10.1007/3-540-49430-8_2 (inputs of similar range).

    Args:
        feature_range: ``(a, b)`` with ``a < b``.

    Attributes:
        mean_: the per-feature training minimum :math:`m_j` (named ``mean_`` like the
            other transformers' offset), shape ``(D,)``; also available as ``min_``.
        max_: the per-feature training maximum, shape ``(D,)``.
        scale_: :math:`(M_j - m_j) / (b - a)` (1/(b-a) where the range is 0), shape ``(D,)``.

    Example:
        >>> import numpy as np
        >>> s = MinMaxScaler((-1, 1)).fit(np.array([[0.0, 10.0], [4.0, 30.0]]))
        >>> s.transform(np.array([[2.0, 40.0]])).tolist()
        [[0.0, 2.0]]
    """

    def __init__(self, feature_range: tuple[float, float] = (0.0, 1.0)) -> None:
        if isinstance(feature_range, (str, bytes)) or np.ndim(feature_range) != 1:
            raise TypeError(f"feature_range must be a pair (a, b), got {feature_range!r}")
        if len(feature_range) != 2:
            raise ValueError(f"feature_range must be a pair (a, b), got {feature_range!r}")
        a, b = (float(v) for v in feature_range)
        if not (np.isfinite(a) and np.isfinite(b) and a < b):
            raise ValueError(f"feature_range must be finite with a < b, got {feature_range!r}")
        self.feature_range = (a, b)

    def fit(self, x: np.ndarray) -> MinMaxScaler:
        """Compute the per-feature minimum and maximum of ``x`` ``(N, D)``; returns self."""
        x = self._training_input(x)
        lo, hi = x.min(axis=0), x.max(axis=0)
        a, b = self.feature_range
        span = hi - lo
        self.max_ = hi
        self.scale_ = np.where(span > 0, span, 1.0) / (b - a)
        self.mean_ = lo
        return self

    @property
    def min_(self) -> np.ndarray:
        """The per-feature training minimum (the same array as ``mean_``)."""
        self._check_fitted("min_")
        return self.mean_

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Return ``a + (x - min_) / scale_``, shape ``(N, D)``."""
        self._check_fitted("transform")
        x = self._input(x)
        self._check_features(x.shape[1:], "x", self.mean_.shape)
        return self.feature_range[0] + (x - self.mean_) / self.scale_

    def inverse_transform(self, z: np.ndarray) -> np.ndarray:
        """Return ``(z - a) * scale_ + min_``."""
        self._check_fitted("inverse_transform")
        z = self._input(z, "z")
        self._check_features(z.shape[1:], "z", self.mean_.shape)
        return (z - self.feature_range[0]) * self.scale_ + self.mean_


class ImageStandardizer(_Transformer):
    r"""Standardize image batches with per-pixel or per-channel training statistics.

    For images ``x`` of shape ``(N, H, W, C)``:

    .. math::

        \tilde x_{nhwc} = \frac{x_{nhwc} - \mu}{\sigma}

    * ``mode="pixel"``: :math:`\mu_{hwc}, \sigma_{hwc}` are averaged over the ``N``
      training images only: a *mean image* and a *std image*, shape ``(H, W, C)``
      (Krizhevsky, Sutskever & Hinton, 2012, subtract the mean image).
    * ``mode="channel"``: :math:`\mu_c, \sigma_c` are averaged over images *and*
      positions, one number per colour channel, shape ``(C,)`` (Simonyan & Zisserman,
      2015; what ``keras.layers.Normalization(axis=-1)`` computes). Images of any size
      can then be transformed.

    With ``scale=False`` only the mean is subtracted (:math:`\sigma = 1`). Standard
    deviations are biased (divide by the count) and replaced by 1 where they are 0.

    References: Krizhevsky, Sutskever & Hinton (2012), "ImageNet classification with deep
    convolutional neural networks", https://doi.org/10.1145/3065386; Simonyan & Zisserman
    (2015), "Very deep convolutional networks for large-scale image recognition",
    https://arxiv.org/abs/1409.1556.

    Args:
        mode: ``"pixel"`` or ``"channel"``.
        scale: divide by the standard deviation as well (``True``) or only centre.

    Attributes:
        mean_: ``(H, W, C)`` or ``(C,)``.
        scale_: the standard deviations (1 where 0, or all 1 if ``scale=False``), same shape.

    Example:
        >>> import numpy as np
        >>> x = np.stack([np.full((2, 2, 3), v) for v in (0.0, 2.0)]) + np.array([0, 10, 20])
        >>> s = ImageStandardizer("channel").fit(x)
        >>> s.mean_.tolist(), s.scale_.tolist()
        ([1.0, 11.0, 21.0], [1.0, 1.0, 1.0])
    """

    _ndim = 4

    def __init__(self, mode: str = "channel", *, scale: bool = True) -> None:
        self.mode = check_choice(mode, "mode", ("pixel", "channel"))
        if not isinstance(scale, (bool, np.bool_)):
            raise TypeError(f"scale must be True or False, got {type(scale).__name__}")
        self.scale = bool(scale)

    def _input(self, x: object, name: str = "x") -> np.ndarray:
        arr = np.asarray(x) if not isinstance(x, (str, bytes)) and x is not None else None
        if arr is not None and arr.ndim != 4:
            raise ValueError(
                f"{name} must be a 4-dimensional image batch (N, H, W, C), got shape {arr.shape}"
                " (flatten nothing: use Standardizer for (N, D) features)"
            )
        return super()._input(x, name)

    def fit(self, x: np.ndarray) -> ImageStandardizer:
        """Compute the statistics of the training images ``x`` (N >= 1); returns self."""
        x = self._training_input(x)
        axes = (0, 1, 2) if self.mode == "channel" else 0
        mean = x.mean(axis=axes)
        std = x.std(axis=axes) if self.scale else np.ones_like(mean)
        self.scale_ = np.where(std > 0, std, 1.0)
        self.mean_ = mean
        return self

    def _check(self, x: object, name: str, method: str) -> np.ndarray:
        self._check_fitted(method)
        x = self._input(x, name)
        got = x.shape[-1:] if self.mode == "channel" else x.shape[1:]
        self._check_features(got, name, self.mean_.shape)
        return x

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Return ``(x - mean_) / scale_`` (same shape as ``x``)."""
        return (self._check(x, "x", "transform") - self.mean_) / self.scale_

    def inverse_transform(self, z: np.ndarray) -> np.ndarray:
        """Return ``z * scale_ + mean_``."""
        return self._check(z, "z", "inverse_transform") * self.scale_ + self.mean_


def variance_kept(explained_variance: object, fraction: float) -> int:
    r"""Smallest number of top components :math:`k` that keep ``fraction`` of the variance.

    .. math::

        k = \min\Big\{k : \sum_{j \le k} \lambda_j \ge f \sum_{j} \lambda_j\Big\}

    Args:
        explained_variance: eigenvalues :math:`\lambda_1 \ge \lambda_2 \ge \dots \ge 0`
            (e.g. ``PCA().fit(x).explained_variance_``), shape ``(D,)``.
        fraction: :math:`f` in ``(0, 1]``.

    Example:
        >>> variance_kept([6.0, 3.0, 1.0], 0.9)
        2
    """
    lam = as_float_array(explained_variance, "explained_variance", ndim=1)
    check_finite(lam, "explained_variance")
    if lam.size == 0 or np.any(lam < 0) or np.any(np.diff(lam) > 0):
        raise ValueError("explained_variance must be non-empty, >= 0 and sorted descending")
    f = (
        float(fraction)
        if isinstance(fraction, (int, float)) and not isinstance(fraction, bool)
        else None
    )
    if f is None or not 0 < f <= 1:
        raise ValueError(f"fraction must be a number in (0, 1], got {fraction!r}")
    total = lam.sum()
    if total == 0:
        return 1
    cum = np.cumsum(lam) / total
    # 1e-12: a cumulative sum that reaches f up to rounding counts as reaching it.
    return int(np.searchsorted(cum, f - 1e-12) + 1)
