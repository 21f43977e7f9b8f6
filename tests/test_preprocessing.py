"""Tests for dlcore.preprocessing: centering, standardization, PCA, PCA and ZCA whitening."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcore.preprocessing import (
    PCA,
    Centerer,
    ImageStandardizer,
    MinMaxScaler,
    PCAWhitening,
    Standardizer,
    ZCAWhitening,
    variance_kept,
)

# Rounding budget. The test data below have covariance condition numbers below ~1e4,
# and eigh is backward stable: computed eigen-pairs reproduce Sigma to about
# D * u * ||Sigma|| (u = 2.2e-16), which moves whitened covariances by about
# D * u * cond(Sigma) <~ 10 * 2.2e-16 * 1e4 ~ 2e-11. TOL leaves a factor ~50 on top.
TOL = 1e-9


def correlated(rng, n=500, d=5, offset=3.0):
    """Correlated data with distinct, well separated variances and a non-zero mean."""
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    scales = np.geomspace(10.0, 0.2, d)  # standard deviations 10 ... 0.2: cond(Sigma) ~ 2500
    return rng.standard_normal((n, d)) * scales @ q.T + offset * rng.standard_normal(d)


def cov(z):
    """Biased covariance (divide by N), the convention of dlcore.preprocessing."""
    zc = z - z.mean(axis=0)
    return zc.T @ zc / len(z)


# ---------------------------------------------------------------------- centering


def test_feature_centering_uses_training_mean_only(rng):
    x_train, x_test = correlated(rng), correlated(rng, n=40) + 5.0
    c = Centerer().fit(x_train)
    # Mean of centred training data is a rounding residual: |x| <~ 40, so ~1e-13.
    np.testing.assert_allclose(c.transform(x_train).mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(c.transform(x_test), x_test - x_train.mean(axis=0), rtol=1e-15)
    # No leakage: the test set keeps its own shift, and rows are transformed independently.
    assert np.all(np.abs(c.transform(x_test).mean(axis=0)) > 1.0)
    np.testing.assert_array_equal(c.transform(x_test[:3]), c.transform(x_test)[:3])
    np.testing.assert_allclose(c.inverse_transform(c.transform(x_test)), x_test, rtol=1e-14)


def test_pixel_centering_subtracts_the_mean_image(rng):
    images = rng.uniform(0, 1, (30, 4, 5, 3)) + np.linspace(0, 1, 4 * 5 * 3).reshape(4, 5, 3)
    c = Centerer("pixel").fit(images)
    assert c.mean_.shape == (4, 5, 3)
    out = c.transform(images)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-14)
    # Same numbers as per-feature centering of the flattened images.
    flat = Centerer("feature").fit_transform(images.reshape(30, -1))
    np.testing.assert_allclose(out.reshape(30, -1), flat, atol=1e-15)
    with pytest.raises(ValueError, match=r"x must have feature shape \(4, 5, 3\)"):
        c.transform(images[:, :3])


def test_channel_centering_subtracts_one_mean_per_channel(rng):
    images = rng.uniform(0, 1, (20, 6, 6, 3)) + np.array([0.5, -0.2, 2.0])
    c = Centerer("channel").fit(images)
    assert c.mean_.shape == (3,)
    np.testing.assert_allclose(c.mean_, images.reshape(-1, 3).mean(axis=0), rtol=1e-14)
    out = c.transform(images)
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0.0, atol=1e-14)
    # One number per channel: the per-pixel means stay non-zero (noise ~ 1/sqrt(12*20)).
    assert np.abs(out.mean(axis=0)).max() > 0.01
    # Images of another size can be transformed; another channel count cannot.
    other = rng.uniform(0, 1, (2, 9, 4, 3))
    np.testing.assert_allclose(c.transform(other), other - c.mean_)
    np.testing.assert_allclose(c.inverse_transform(c.transform(other)), other, rtol=1e-14)
    with pytest.raises(ValueError, match=r"x must have feature shape \(3,\)"):
        c.transform(rng.uniform(0, 1, (2, 6, 6, 1)))


# ---------------------------------------------------------------------- standardization


def test_standardizer_gives_zero_mean_unit_variance_on_train(rng):
    x_train = correlated(rng)
    x_train[:, 2] = 7.0  # a constant feature must not produce NaN
    s = Standardizer().fit(x_train)
    z = s.transform(x_train)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(np.delete(z.std(axis=0), 2), 1.0, rtol=1e-12)
    assert np.all(z[:, 2] == 0.0) and s.scale_[2] == 1.0
    x_test = correlated(rng, n=10)
    expected = (x_test - x_train.mean(axis=0)) / np.where(x_train.std(0) > 0, x_train.std(0), 1)
    np.testing.assert_allclose(s.transform(x_test), expected, rtol=1e-13)
    np.testing.assert_allclose(s.inverse_transform(s.transform(x_test)), x_test, rtol=1e-13)


def test_transforms_stay_finite_for_inputs_of_very_different_scales(rng):
    # Features of size 1e-6, 1 and 1e3 around an offset of 1000: no overflow, no NaN,
    # and every feature is still standardised / whitened.
    x = 1000.0 + rng.standard_normal((200, 3)) * np.array([1e-6, 1.0, 1e3])
    z = Standardizer().fit_transform(x)
    np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=1e-9)
    w = PCAWhitening(epsilon=1e-20).fit(x)
    # cond(Sigma) ~ 1e18 here, so only loose agreement can be expected of the small
    # direction; the two well-scaled directions are whitened to rounding accuracy.
    c = cov(w.transform(x))
    assert np.isfinite(c).all()
    np.testing.assert_allclose(np.diag(c)[:2], 1.0, rtol=1e-6)


# ---------------------------------------------------------------------- PCA


def test_pca_agrees_with_svd(rng):
    x = correlated(rng)
    pca = PCA().fit(x)
    xc = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(xc, full_matrices=False)
    np.testing.assert_allclose(pca.explained_variance_, s**2 / len(x), rtol=1e-10)
    # Eigenvectors are defined up to sign: compare |cosines| (distinct eigenvalues here).
    np.testing.assert_allclose(np.abs(np.sum(pca.components_ * vt, axis=1)), 1.0, rtol=1e-10)
    np.testing.assert_allclose(pca.explained_variance_ratio_.sum(), 1.0, rtol=1e-14)
    # The sign convention: the largest-magnitude entry of each component is positive.
    rows = np.arange(len(pca.components_))
    assert np.all(pca.components_[rows, np.argmax(np.abs(pca.components_), axis=1)] > 0)


def test_pca_scores_are_uncorrelated_with_eigenvalue_variances(rng):
    x = correlated(rng)
    pca = PCA(3).fit(x)
    z = pca.transform(x)
    assert z.shape == (500, 3)
    # Scale TOL by lambda_1 = ||Sigma|| since these are unnormalised covariances.
    np.testing.assert_allclose(
        cov(z), np.diag(pca.explained_variance_), atol=TOL * pca.explained_variance_[0]
    )


def test_pca_reconstruction_exact_with_all_components_and_truncation_error(rng):
    x = correlated(rng)
    full = PCA().fit(x)
    np.testing.assert_allclose(full.inverse_transform(full.transform(x)), x, atol=1e-11)
    k = 2
    part = PCA(k).fit(x)
    residual = x - part.inverse_transform(part.transform(x))
    # Mean squared reconstruction error equals the sum of the discarded eigenvalues.
    np.testing.assert_allclose(
        np.mean(np.sum(residual**2, axis=1)), full.explained_variance_[k:].sum(), rtol=1e-9
    )


def test_pca_fits_on_training_data_only(rng):
    x_train, x_test = correlated(rng), correlated(rng, n=20) * 3.0
    pca = PCA(2).fit(x_train)
    before = pca.components_.copy()
    z = pca.transform(x_test)
    np.testing.assert_allclose(z, (x_test - x_train.mean(axis=0)) @ before.T, rtol=1e-12)
    np.testing.assert_array_equal(pca.components_, before)  # transform changed nothing
    np.testing.assert_array_equal(pca.transform(x_test[:4]), z[:4])


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 30), d=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_pca_round_trip_any_shape(n, d, seed):
    x = np.random.default_rng(seed).standard_normal((n, d)) * 5.0 + 1.0
    pca = PCA().fit(x)
    # Orthogonal V: round trip error ~ d * u * max|x| (|x| <~ 30), so 1e-12 is generous.
    np.testing.assert_allclose(pca.inverse_transform(pca.transform(x)), x, atol=1e-12)
    assert np.all(np.diff(pca.explained_variance_) <= 0)  # sorted, descending
    assert np.all(pca.explained_variance_ >= 0)


# ---------------------------------------------------------------------- whitening


@pytest.mark.parametrize("cls", [PCAWhitening, ZCAWhitening])
@pytest.mark.parametrize("epsilon", [1e-12, 1e-2])
def test_whitened_training_data_has_identity_covariance(rng, cls, epsilon):
    x = correlated(rng)
    w = cls(epsilon=epsilon).fit(x)
    c = cov(w.transform(x))
    lam = w.explained_variance_
    # Exactly V diag(lambda / (lambda + eps)) V^T (V = I for PCA whitening), which differs
    # from I by at most eps / (lambda_min + eps) in spectral norm.
    bound = epsilon / (lam.min() + epsilon) + TOL
    assert np.linalg.norm(c - np.eye(5), ord=2) <= bound
    v = np.eye(5) if cls is PCAWhitening else w.components_.T
    np.testing.assert_allclose(c, v @ np.diag(lam / (lam + epsilon)) @ v.T, atol=TOL)


def test_whitening_round_trip_and_test_data(rng):
    x_train, x_test = correlated(rng), correlated(rng, n=30)
    for w in (PCAWhitening(epsilon=1e-3), ZCAWhitening(epsilon=1e-3)):
        w.fit(x_train)
        z = w.transform(x_test)
        np.testing.assert_allclose(
            z, (x_test - x_train.mean(axis=0)) @ w.whitening_matrix_, rtol=1e-12
        )
        np.testing.assert_allclose(w.inverse_transform(z), x_test, atol=1e-10)


def test_pca_whitening_with_fewer_components(rng):
    x = correlated(rng)
    w = PCAWhitening(2, epsilon=1e-12).fit(x)
    assert w.whitening_matrix_.shape == (5, 2)
    np.testing.assert_allclose(cov(w.transform(x)), np.eye(2), atol=TOL)
    # Reconstruction through 2 whitened components equals plain PCA with 2 components.
    pca = PCA(2).fit(x)
    np.testing.assert_allclose(
        w.inverse_transform(w.transform(x)), pca.inverse_transform(pca.transform(x)), atol=1e-9
    )


def test_zca_matrix_is_symmetric_and_matches_eigh(rng):
    x = correlated(rng)
    eps = 1e-4
    w = ZCAWhitening(epsilon=eps).fit(x)
    np.testing.assert_allclose(w.whitening_matrix_, w.whitening_matrix_.T, atol=1e-12)
    xc = x - x.mean(axis=0)
    lam, v = np.linalg.eigh(xc.T @ xc / len(x))
    expected = v @ np.diag(1.0 / np.sqrt(lam + eps)) @ v.T  # sign-free, order-free formula
    np.testing.assert_allclose(w.whitening_matrix_, expected, rtol=1e-9, atol=1e-12)


def test_zca_output_is_the_whitening_closest_to_the_input(rng):
    x = correlated(rng)
    xc = x - x.mean(axis=0)
    zca = ZCAWhitening(epsilon=1e-12).fit(x).transform(x)
    pcw = PCAWhitening(epsilon=1e-12).fit(x).transform(x)

    def dist(z):
        return np.mean(np.sum((xc - z) ** 2, axis=1))

    # Every whitening of x is the ZCA output times an orthogonal matrix Q.
    candidates = [pcw]
    for _ in range(20):
        q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
        candidates.append(zca @ q)
    best = dist(zca)
    assert all(dist(z) > best for z in candidates)


def test_epsilon_keeps_zero_variance_directions_small(rng):
    # N < D: the covariance is singular; without epsilon whitening would divide by 0.
    x = rng.standard_normal((4, 10))
    for eps in (1e-8, 1e-1):
        z = ZCAWhitening(epsilon=eps).fit(x).transform(x)
        assert np.isfinite(z).all()
    w = PCAWhitening(epsilon=1.0).fit(x)
    # With epsilon = 1 component j keeps variance lambda_j / (lambda_j + 1) < 1.
    lam = w.explained_variance_
    np.testing.assert_allclose(np.diag(cov(w.transform(x))), lam / (lam + 1.0), atol=1e-12)


# ---------------------------------------------------------------------- bad input


@pytest.mark.parametrize("cls", [Centerer, Standardizer, PCA, PCAWhitening, ZCAWhitening])
def test_transform_before_fit_and_feature_mismatch(cls, rng):
    x = rng.standard_normal((20, 4))
    with pytest.raises(ValueError, match="not fitted: call fit"):
        cls().transform(x)
    with pytest.raises(ValueError, match="not fitted: call fit"):
        cls().inverse_transform(x)
    fitted = cls().fit(x)
    with pytest.raises(ValueError, match=r"x must have feature shape \(4,\)"):
        fitted.transform(x[:, :3])
    with pytest.raises(ValueError, match="x must be 2-dimensional"):
        fitted.transform(x[0])
    with pytest.raises(ValueError, match="x must be 2-dimensional"):
        cls().fit(x[0])
    with pytest.raises(TypeError, match="x must hold real numbers"):
        cls().fit(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match="x contains NaN or infinity"):
        cls().fit(np.array([[1.0, np.nan], [0.0, 1.0]]))
    with pytest.raises(ValueError, match=r"z must have feature shape"):
        fitted.inverse_transform(np.ones((2, 7)))


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: Centerer("median"), ValueError, "mode must be one of"),
        (lambda: Centerer(3), TypeError, "mode must be a string"),
        (lambda: PCA(0), ValueError, "n_components must be >= 1"),
        (lambda: PCA(2.5), TypeError, "n_components must be an integer"),
        (lambda: PCA(True), TypeError, "n_components must be an integer"),
        (lambda: PCAWhitening(epsilon=0.0), ValueError, "epsilon must be > 0"),
        (lambda: ZCAWhitening(epsilon=-1e-5), ValueError, "epsilon must be > 0"),
        (lambda: ZCAWhitening(epsilon="small"), TypeError, "epsilon must be a real number"),
    ],
)
def test_bad_constructor_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_bad_fit_data(rng):
    with pytest.raises(ValueError, match="n_components must be <= the number of features D=3"):
        PCA(4).fit(rng.standard_normal((10, 3)))
    with pytest.raises(ValueError, match="x must have at least 2 rows"):
        PCA().fit(np.ones((1, 3)))
    with pytest.raises(ValueError, match="x must contain at least one example"):
        Centerer().fit(np.ones((0, 3)))
    with pytest.raises(ValueError, match="x must contain at least one example"):
        Standardizer().fit(np.ones((0, 3)))
    with pytest.raises(ValueError, match="x must be 4-dimensional"):
        Centerer("pixel").fit(np.ones((5, 3)))
    with pytest.raises(ValueError, match="x must be 4-dimensional"):
        Centerer("channel").fit(np.ones((5, 3, 3)))
    with pytest.raises(ValueError, match="use mode='pixel' or 'channel' for image batches"):
        Centerer().fit(np.ones((5, 3, 3, 1)))


def test_pca_of_constant_data_has_zero_variance_ratio():
    pca = PCA().fit(np.ones((5, 3)))
    np.testing.assert_array_equal(pca.explained_variance_, 0.0)
    np.testing.assert_array_equal(pca.explained_variance_ratio_, 0.0)


# ---------------------------------------------------------------------- min-max scaling


def test_min_max_scaler_maps_training_range_and_extrapolates_test(rng):
    x_train = correlated(rng)
    x_train[:, 1] = -4.0  # constant feature: shifted to a, no division by zero
    s = MinMaxScaler((-1.0, 1.0)).fit(x_train)
    z = s.transform(x_train)
    np.testing.assert_allclose(np.delete(z.min(axis=0), 1), -1.0, atol=1e-15)
    np.testing.assert_allclose(np.delete(z.max(axis=0), 1), 1.0, rtol=1e-15)
    assert np.all(z[:, 1] == -1.0)
    np.testing.assert_array_equal(s.min_, x_train.min(axis=0))
    # Test data use the training range: a value beyond the training max maps beyond b.
    x_test = x_train[:3] + 2 * (x_train.max(0) - x_train.min(0))
    assert np.all(np.delete(s.transform(x_test), 1, axis=1) > 1.0)
    lo, hi = x_train.min(0), x_train.max(0)
    span = np.where(hi > lo, hi - lo, 1.0)
    np.testing.assert_allclose(s.transform(x_test), -1 + 2 * (x_test - lo) / span, rtol=1e-13)
    np.testing.assert_allclose(s.inverse_transform(s.transform(x_test)), x_test, rtol=1e-13)


def test_dividing_pixels_by_255_is_min_max_with_the_nominal_range(rng):
    pixels = rng.integers(0, 256, (50, 12)).astype(float)
    pixels[0], pixels[1] = 0, 255  # the training set spans the full 8-bit range
    np.testing.assert_allclose(MinMaxScaler().fit_transform(pixels), pixels / 255, rtol=1e-15)


@pytest.mark.parametrize(
    ("arg", "error"),
    [((1.0, 0.0), ValueError), ((0.0,), ValueError), ("01", TypeError), ((0, np.nan), ValueError)],
)
def test_min_max_bad_range(arg, error):
    with pytest.raises(error, match="feature_range"):
        MinMaxScaler(arg)


# ---------------------------------------------------------------------- image statistics


def images_with_structure(rng, n=40):
    """Images whose mean differs per pixel (a ramp) and per channel (offset, spread)."""
    ramp = np.linspace(0, 50, 6)[None, :, None, None]
    return 100 + ramp + rng.standard_normal((n, 6, 5, 3)) * np.array([30.0, 10.0, 3.0])


@pytest.mark.parametrize("scale", [True, False])
def test_pixel_standardizer_matches_feature_standardizer_on_flattened_images(rng, scale):
    x = images_with_structure(rng)
    s = ImageStandardizer("pixel", scale=scale).fit(x)
    assert s.mean_.shape == (6, 5, 3)
    flat = x.reshape(len(x), -1)
    ref = Standardizer().fit(flat) if scale else Centerer().fit(flat)
    np.testing.assert_allclose(s.transform(x).reshape(len(x), -1), ref.transform(flat), atol=1e-12)
    z = s.transform(x)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-12)
    if scale:
        np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(s.inverse_transform(z), x, rtol=1e-13)


def test_channel_standardizer_uses_one_mean_and_std_per_channel(rng):
    x = images_with_structure(rng)
    s = ImageStandardizer("channel").fit(x)
    pixels = x.reshape(-1, 3)
    np.testing.assert_allclose(s.mean_, pixels.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(s.scale_, pixels.std(axis=0), rtol=1e-13)
    z = s.transform(x)
    np.testing.assert_allclose(z.reshape(-1, 3).mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.reshape(-1, 3).std(axis=0), 1.0, rtol=1e-12)
    # per-channel statistics keep the ramp: the top rows stay darker than the bottom rows
    assert z[:, 0].mean() < -0.5 < 0.5 < z[:, -1].mean()
    other = rng.uniform(0, 255, (2, 9, 9, 3))  # another image size is fine
    np.testing.assert_allclose(s.inverse_transform(s.transform(other)), other, rtol=1e-13)
    assert np.all(Centerer("channel").fit(x).mean_ == s.mean_)


def test_image_standardizer_fits_on_train_only_and_rejects_bad_input(rng):
    x_train, x_test = images_with_structure(rng), images_with_structure(rng, 10) + 40
    s = ImageStandardizer("channel").fit(x_train)
    np.testing.assert_allclose(s.transform(x_test), (x_test - s.mean_) / s.scale_, rtol=1e-14)
    assert np.all(s.transform(x_test).mean(axis=(0, 1, 2)) > 0.5)  # the shift is kept
    constant = np.ones((4, 2, 2, 3))
    assert np.all(ImageStandardizer("pixel").fit(constant).scale_ == 1.0)
    bad = x_train.copy()
    bad[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ImageStandardizer().fit(bad)
    with pytest.raises(ValueError, match="NaN"):
        s.transform(bad)
    with pytest.raises(ValueError, match="4-dimensional"):
        s.transform(x_train.reshape(40, -1))
    with pytest.raises(ValueError, match=r"feature shape \(3,\)"):
        s.transform(x_train[..., :2])
    with pytest.raises(ValueError, match="not fitted"):
        ImageStandardizer().transform(x_train)
    with pytest.raises(ValueError, match="mode"):
        ImageStandardizer("feature")
    with pytest.raises(TypeError, match="scale"):
        ImageStandardizer(scale="yes")


@pytest.mark.parametrize("make", [MinMaxScaler, Standardizer, Centerer, PCA, ZCAWhitening])
def test_nan_input_is_rejected_at_fit_and_transform(rng, make):
    x = correlated(rng, n=20)
    bad = x.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        make().fit(bad)
    with pytest.raises(ValueError, match="NaN"):
        make().fit(x).transform(bad)


# ---------------------------------------------------------------------- variance kept


def test_variance_kept_counts_top_components(rng):
    assert variance_kept([5.0, 3.0, 2.0], 0.5) == 1
    assert variance_kept([5.0, 3.0, 2.0], 0.8) == 2  # exactly reached counts
    assert variance_kept([5.0, 3.0, 2.0], 1.0) == 3
    pca = PCA().fit(correlated(rng))
    k = variance_kept(pca.explained_variance_, 0.95)
    ratio = np.cumsum(pca.explained_variance_ratio_)
    assert ratio[k - 1] >= 0.95 and (k == 1 or ratio[k - 2] < 0.95)
    with pytest.raises(ValueError, match="fraction"):
        variance_kept([1.0], 0.0)
    with pytest.raises(ValueError, match="sorted descending"):
        variance_kept([1.0, 2.0], 0.5)


@pytest.mark.parametrize(
    "make_empty",
    [
        lambda: (Centerer(), np.ones((0, 3))),
        lambda: (Standardizer(), np.ones((0, 3))),
        lambda: (MinMaxScaler(), np.ones((0, 3))),
        lambda: (ImageStandardizer(), np.ones((0, 4, 4, 3))),
    ],
    ids=["Centerer", "Standardizer", "MinMaxScaler", "ImageStandardizer"],
)
def test_fit_on_no_examples_is_refused_and_leaves_the_transformer_unfitted(make_empty):
    transformer, empty = make_empty()
    with pytest.raises(ValueError, match="x must contain at least one example, got 0"):
        transformer.fit(empty)
    with pytest.raises(ValueError, match="is not fitted"):
        transformer.transform(empty)
