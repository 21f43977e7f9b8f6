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

__all__ = ["PCA", "Centerer", "PCAWhitening", "Standardizer", "ZCAWhitening"]


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
        x = self._input(x)
        if len(x) == 0:
            raise ValueError("x must contain at least one example, got 0")
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
        x = self._input(x)
        if len(x) == 0:
            raise ValueError("x must contain at least one example, got 0")
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
