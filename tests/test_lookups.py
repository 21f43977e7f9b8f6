"""Every lookup by name in dlcore follows one rule (``dlcore._validation.lookup``)."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore import activations, initializers, losses, optimizers

GETTERS = {
    "activation": (activations.get, activations.names(), "relu", "ReLU"),
    "initializer": (initializers.get, initializers.names(), "he_normal", "HeNormal"),
    "optimizer": (optimizers.get, optimizers.names(), "rmsprop", "RMSprop"),
}


@pytest.mark.parametrize("kind", GETTERS)
def test_case_and_class_style_names_resolve_alike(kind):
    get, names, snake, camel = GETTERS[kind]
    assert snake in names
    a, b = get(snake), get(camel)
    assert type(a) is type(b)
    assert get(f"  {snake.upper()} ") is not None


@pytest.mark.parametrize("kind", GETTERS)
def test_unknown_name_lists_the_valid_names(kind):
    get, names, *_ = GETTERS[kind]
    with pytest.raises(ValueError, match=rf"unknown {kind}: name must be one of .*{names[0]}"):
        get("no_such_thing")
    with pytest.raises(TypeError, match=rf"name must be an? {kind} name"):
        get(3.5)


@pytest.mark.parametrize("kind", GETTERS)
def test_objects_pass_through_and_refuse_parameters(kind):
    get, _, snake, *_ = GETTERS[kind]
    obj = get(snake)
    assert get(obj) is obj
    with pytest.raises(TypeError, match=f"existing {kind} object"):
        get(obj, bogus=1.0)


def test_unexpected_parameters_are_listed_with_the_valid_ones():
    with pytest.raises(TypeError, match=r"valid parameters: \['alpha'\]"):
        activations.get("leaky_relu", beta=1.0)
    with pytest.raises(TypeError, match=r"valid parameters: \['mean', 'stddev'\]"):
        initializers.get("random_normal", std=1.0)


def test_losses_follow_the_same_rule():
    pred, y = np.array([[1.0, 2.0]]), np.array([1])
    assert losses._by_name("MSE") is losses._by_name("mse")
    with pytest.raises(ValueError, match=r"unknown loss: loss must be one of \['mse'"):
        losses._by_name("l2")
    value, _ = losses._by_name("Softmax_Cross_Entropy")(pred, y)
    assert np.isclose(value, np.log1p(np.exp(-1.0)))


def test_an_uninstantiated_optimizer_class_gets_a_clear_error():
    with pytest.raises(TypeError, match=r"the class Adam, not an optimizer: instantiate it"):
        optimizers.get(optimizers.Adam)
