"""Tests for dlcore.data.color_shapes, the offline colour-image set of chapter 4."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore.data import SHAPE_CLASSES, color_shapes


@pytest.fixture(scope="module")
def shapes():
    return color_shapes(400, 100, seed=3)


def test_shape_range_and_labels(shapes):
    assert shapes.x_train.shape == (400, 32, 32, 3) and shapes.x_test.shape == (100, 32, 32, 3)
    assert shapes.name == "color_shapes" and shapes.num_classes == len(SHAPE_CLASSES) == 4
    for x in (shapes.x_train, shapes.x_test):
        assert x.min() >= 0 and x.max() <= 255
        np.testing.assert_array_equal(x, np.rint(x))  # 8-bit values
    # balanced: 125 images per class over train + test, labels i % 4 before shuffling
    counts = np.bincount(np.concatenate([shapes.y_train, shapes.y_test]), minlength=4)
    np.testing.assert_array_equal(counts, [125] * 4)


def test_deterministic_from_seed(shapes):
    again = color_shapes(400, 100, seed=3)
    np.testing.assert_array_equal(again.x_train, shapes.x_train)
    np.testing.assert_array_equal(again.y_test, shapes.y_test)
    other = color_shapes(400, 100, seed=4)
    assert not np.array_equal(other.x_train, shapes.x_train)


def test_photograph_like_channel_statistics(shapes):
    pixels = shapes.x_train.reshape(-1, 3)
    mean, std = pixels.mean(axis=0), pixels.std(axis=0)
    # Far from zero, red > green > blue, and different spreads (the chapter relies on it).
    assert np.all(mean > 60) and mean[0] > mean[1] + 20 > mean[2] + 40
    assert std[0] > 1.2 * std[2]
    # The mean image is not flat: brighter at the top (the "sky" ramp).
    mean_image = shapes.x_train.mean(axis=0)
    assert mean_image[:4].mean() > mean_image[-4:].mean() + 20


def test_each_image_has_one_shape_of_its_class():
    clean = color_shapes(200, 40, seed=5, noise=0.0)
    x, y = clean.x_train, clean.y_train
    # Without noise the background is constant along each row (only the vertical ramp),
    # and no shape reaches the first column: every pixel that differs from its row's
    # first pixel belongs to the shape.
    mask = np.any(x != x[:, :, :1, :], axis=3)
    area = mask.mean(axis=(1, 2))
    assert area.min() > 0.01 and area.max() < 0.4
    # Stripes alternate along y: many more vertical than horizontal mask edges.
    vert = np.abs(np.diff(mask, axis=1)).sum(axis=(1, 2))
    horiz = np.abs(np.diff(mask, axis=2)).sum(axis=(1, 2))
    ratio = vert / np.maximum(horiz, 1)
    assert ratio[y == 3].min() > 1.5 and ratio[y != 3].max() < 1.5
    # A ring is thin: far more edge per area than a disc or a square.
    edges_per_area = (vert + horiz) / mask.sum(axis=(1, 2))
    assert edges_per_area[y == 2].min() > edges_per_area[(y == 0) | (y == 1)].max()


def test_image_size_and_noise_arguments():
    small = color_shapes(8, 4, seed=0, image_size=16, noise=0.0)
    assert small.x_train.shape == (8, 16, 16, 3)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_train": 3}, ValueError, "n_train and n_test must be >= 4"),
        ({"n_test": 0}, ValueError, "n_test"),
        ({"image_size": 8}, ValueError, "image_size must be >= 16"),
        ({"noise": -1.0}, ValueError, "noise"),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": 1.5}, TypeError, "seed"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        color_shapes(**kwargs)
