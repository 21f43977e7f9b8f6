r"""Learning-rate schedules: callables ``step -> learning rate``.

Each schedule can be passed as ``learning_rate`` to any optimizer in
:mod:`dlcore.optimizers`, which calls it with the number of steps already taken
(0, 1, 2, ...), as Keras does. The four Keras schedules
(:class:`ExponentialDecay`, :class:`InverseTimeDecay`, :class:`PiecewiseConstantDecay`,
:class:`CosineDecay`) take the same arguments and return the same values as
``keras.optimizers.schedules`` (tested in float64). :class:`StepDecay` is the classic
"divide by a factor every k epochs" schedule, and :class:`ReduceLROnPlateau` is the
logic of the Keras callback of the same name, driven by :meth:`~ReduceLROnPlateau.update`.

Note that Keras computes its schedules in float32 unless its hyperparameters are
given as float64 values; dlcore always computes in float64.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from dlcore._validation import (
    check_choice,
    check_in_range,
    check_positive,
    check_positive_int,
    check_real,
)

__all__ = [
    "CosineDecay",
    "ExponentialDecay",
    "InverseTimeDecay",
    "PiecewiseConstantDecay",
    "ReduceLROnPlateau",
    "Schedule",
    "StepDecay",
]


class Schedule:
    """Base class: checks the step (a number ``>= 0``), then evaluates ``_value``."""

    def __call__(self, step: float) -> float:
        step = check_positive(step, "step", allow_zero=True)
        return float(self._value(step))

    def _value(self, step: float) -> float:
        raise NotImplementedError  # pragma: no cover - every subclass defines it

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class _PeriodicDecay(Schedule):
    """Shared by the schedules that decay by ``decay_rate`` per ``decay_steps`` steps."""

    _rate_may_be_zero = False

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        decay_rate: float,
        staircase: bool = False,
    ) -> None:
        self.initial_learning_rate = check_positive(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = check_positive(decay_steps, "decay_steps")
        self.decay_rate = check_positive(
            decay_rate, "decay_rate", allow_zero=self._rate_may_be_zero
        )
        self.staircase = _check_flag(staircase, "staircase")

    def _periods(self, step: float) -> float:
        r""":math:`t/T`, or :math:`\lfloor t/T \rfloor` with ``staircase``."""
        p = step / self.decay_steps
        return math.floor(p) if self.staircase else p


class ExponentialDecay(_PeriodicDecay):
    r"""Exponential decay: multiply by ``decay_rate`` every ``decay_steps`` steps.

    .. math::

        \eta(t) = \eta_0 \, r^{\,t / T}
        \quad\text{or, with staircase,}\quad \eta_0 \, r^{\lfloor t / T \rfloor},

    with :math:`\eta_0` = ``initial_learning_rate``, :math:`r` = ``decay_rate``,
    :math:`T` = ``decay_steps``. Same arguments and values as
    ``keras.optimizers.schedules.ExponentialDecay``.

    Args:
        initial_learning_rate: :math:`\eta_0 > 0`.
        decay_steps: :math:`T > 0`.
        decay_rate: :math:`r > 0` (below 1 to decay).
        staircase: decay in discrete jumps. Default False.
    """

    def _value(self, step: float) -> float:
        return self.initial_learning_rate * self.decay_rate ** self._periods(step)


class InverseTimeDecay(_PeriodicDecay):
    r"""Inverse-time decay, :math:`\eta(t) = \eta_0 / (1 + r\, t / T)`.

    With ``staircase=True``, :math:`t/T` is replaced by :math:`\lfloor t/T \rfloor`.
    Same arguments and values as ``keras.optimizers.schedules.InverseTimeDecay``;
    this is the :math:`\eta_0/(1 + k t)` schedule of classic stochastic approximation
    (Robbins & Monro, 1951), with :math:`k = r/T`.

    Args:
        initial_learning_rate: :math:`\eta_0 > 0`.
        decay_steps: :math:`T > 0`.
        decay_rate: :math:`r \ge 0`.
        staircase: decay in discrete jumps. Default False.
    """

    _rate_may_be_zero = True  # r = 0: a constant learning rate

    def _value(self, step: float) -> float:
        return self.initial_learning_rate / (1.0 + self.decay_rate * self._periods(step))


class PiecewiseConstantDecay(Schedule):
    r"""Piecewise-constant learning rate.

    .. math::

        \eta(t) = v_0 \text{ for } t \le b_0, \quad
        v_i \text{ for } b_{i-1} < t \le b_i, \quad
        v_n \text{ for } t > b_{n-1},

    with ``boundaries`` :math:`b_0 < \dots < b_{n-1}` and ``values``
    :math:`v_0, \dots, v_n` (one more value than boundaries). Same arguments and
    values as ``keras.optimizers.schedules.PiecewiseConstantDecay``.

    Args:
        boundaries: strictly increasing step numbers, length ``n``.
        values: learning rates (``>= 0``), length ``n + 1``.
    """

    def __init__(self, boundaries: Sequence[float], values: Sequence[float]) -> None:
        boundaries = _check_sequence(boundaries, "boundaries")
        values = _check_sequence(values, "values")
        if len(values) != len(boundaries) + 1:
            raise ValueError(
                "values must have one element more than boundaries, got "
                f"len(boundaries)={len(boundaries)} and len(values)={len(values)}"
            )
        self.boundaries = [check_real(b, f"boundaries[{i}]") for i, b in enumerate(boundaries)]
        if any(b1 <= b0 for b0, b1 in zip(self.boundaries[:-1], self.boundaries[1:], strict=True)):
            raise ValueError(f"boundaries must be strictly increasing, got {self.boundaries}")
        self.values = [
            check_positive(v, f"values[{i}]", allow_zero=True) for i, v in enumerate(values)
        ]

    def _value(self, step: float) -> float:
        # number of boundaries strictly below step = index of the active value
        return self.values[int(np.searchsorted(self.boundaries, step, side="left"))]


class CosineDecay(Schedule):
    r"""Cosine decay (Loshchilov & Hutter, 2017), optionally after a linear warmup.

    Without warmup (``warmup_target=None``), with :math:`s = \min(t, T)`:

    .. math::

        \eta(t) = \eta_0 \left[(1 - \alpha)\,\tfrac12\big(1 + \cos(\pi s / T)\big)
        + \alpha\right],

    decaying from :math:`\eta_0` to :math:`\alpha\eta_0` over :math:`T` steps and then
    staying there. With warmup, the rate first rises linearly from :math:`\eta_0` to
    ``warmup_target`` :math:`\eta_w` over :math:`W` = ``warmup_steps`` steps
    (:math:`\eta(t) = \eta_0 + (\eta_w - \eta_0)\, t/W` for :math:`t < W`), then
    decays from :math:`\eta_w` as above with :math:`s = \min(t - W, T)` (Goyal et al.,
    2017). Same arguments and values as ``keras.optimizers.schedules.CosineDecay``
    (without restarts).

    Args:
        initial_learning_rate: :math:`\eta_0 \ge 0` (0 is usual with warmup).
        decay_steps: :math:`T > 0`.
        alpha: final fraction :math:`\alpha \in [0, 1]` of the rate decayed from.
            Default 0.
        warmup_target: :math:`\eta_w \ge 0`, or None for no warmup.
        warmup_steps: :math:`W \ge 0`. Default 0.

    References:
        Loshchilov, I. and Hutter, F. (2017). SGDR: Stochastic Gradient Descent with
        Warm Restarts. ICLR.

        Goyal, P. et al. (2017). Accurate, Large Minibatch SGD: Training ImageNet in
        1 Hour. arXiv:1706.02677.
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        alpha: float = 0.0,
        warmup_target: float | None = None,
        warmup_steps: float = 0,
    ) -> None:
        self.initial_learning_rate = check_positive(
            initial_learning_rate, "initial_learning_rate", allow_zero=True
        )
        self.decay_steps = check_positive(decay_steps, "decay_steps")
        self.alpha = check_in_range(alpha, "alpha", 0.0, 1.0)
        if warmup_target is not None:
            warmup_target = check_positive(warmup_target, "warmup_target", allow_zero=True)
        self.warmup_target = warmup_target
        self.warmup_steps = check_positive(warmup_steps, "warmup_steps", allow_zero=True)

    def _decay(self, step: float, start: float) -> float:
        cosine = 0.5 * (1.0 + math.cos(math.pi * step / self.decay_steps))
        return start * ((1.0 - self.alpha) * cosine + self.alpha)

    def _value(self, step: float) -> float:
        if self.warmup_target is None:
            return self._decay(min(step, self.decay_steps), self.initial_learning_rate)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            rise = self.warmup_target - self.initial_learning_rate
            return self.initial_learning_rate + rise * step / self.warmup_steps
        return self._decay(step - self.warmup_steps, self.warmup_target)


class StepDecay(Schedule):
    r"""Step decay: multiply the rate by ``factor`` every ``drop_every`` steps (or epochs).

    .. math::

        \eta(t) = \eta_0 \, \gamma^{\lfloor t / k \rfloor},

    the schedule of the classic ImageNet recipes (e.g. divide by 10 every 30 epochs,
    Krizhevsky et al., 2012; He et al., 2016). It equals Keras'
    ``ExponentialDecay(eta_0, k, gamma, staircase=True)``; the "step" is whatever the
    caller counts (an optimizer passes update steps; call it with the epoch number
    for a per-epoch schedule).

    Args:
        initial_learning_rate: :math:`\eta_0 > 0`.
        drop_every: :math:`k > 0`, steps between drops.
        factor: :math:`\gamma \in (0, 1]`. Default 0.5.
    """

    def __init__(self, initial_learning_rate: float, drop_every: float, factor: float = 0.5):
        self.initial_learning_rate = check_positive(initial_learning_rate, "initial_learning_rate")
        self.drop_every = check_positive(drop_every, "drop_every")
        self.factor = check_in_range(factor, "factor", 0.0, 1.0, low_inclusive=False)

    def _value(self, step: float) -> float:
        return self.initial_learning_rate * self.factor ** math.floor(step / self.drop_every)


class ReduceLROnPlateau:
    r"""Reduce the learning rate when a monitored metric stops improving.

    The logic of ``keras.callbacks.ReduceLROnPlateau``, without the callback
    machinery: call :meth:`update` once per epoch with the monitored value (e.g. the
    validation loss); it returns the learning rate for the next epoch. A value is an
    *improvement* if it beats the best so far by more than ``min_delta``
    (mode ``"min"``: :math:`x < x_\text{best} - \delta`; mode ``"max"``:
    :math:`x > x_\text{best} + \delta`); the first value always is. After
    ``patience`` epochs in a row without improvement the rate becomes
    :math:`\max(\gamma\,\eta, \eta_\text{min})` (only if :math:`\eta > \eta_\text{min}`)
    and a cooldown of ``cooldown`` epochs starts, during which epochs without improvement
    do not count towards the patience. As in Keras, the epoch on which the cooldown
    counter reaches 0 already counts, so ``cooldown=c`` ignores ``c - 1`` epochs
    (``cooldown=1`` behaves like ``cooldown=0``).

    The object is also a schedule: calling it with any step returns the current
    rate, so ``SGD(learning_rate=plateau)`` follows the reductions.

    Args:
        learning_rate: the initial rate :math:`\eta > 0`.
        mode: ``"min"`` (default, for losses) or ``"max"`` (for accuracies).
        factor: :math:`\gamma \in (0, 1)`. Default 0.1.
        patience: epochs without improvement before a reduction (>= 0). Default 10.
        min_delta: :math:`\delta \ge 0`, smallest change that counts. Default 1e-4.
        cooldown: epochs to wait after a reduction (>= 0). Default 0.
        min_lr: :math:`\eta_\text{min} \ge 0`, lower bound. Default 0.
    """

    def __init__(
        self,
        learning_rate: float,
        *,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
    ) -> None:
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.mode = check_choice(mode, "mode", ("min", "max"))
        self.factor = check_in_range(
            factor, "factor", 0.0, 1.0, low_inclusive=False, high_inclusive=False
        )
        self.patience = check_positive_int(patience, "patience", allow_zero=True)
        self.min_delta = check_positive(min_delta, "min_delta", allow_zero=True)
        self.cooldown = check_positive_int(cooldown, "cooldown", allow_zero=True)
        self.min_lr = check_positive(min_lr, "min_lr", allow_zero=True)
        self.best: float | None = None
        self.wait = 0
        self.cooldown_counter = 0

    def _is_improvement(self, value: float) -> bool:
        if self.best is None:
            return True
        # written as Keras writes it (value +- min_delta compared with best), so that ties
        # decided by rounding go the same way
        if self.mode == "min":
            return value + self.min_delta < self.best
        return value - self.min_delta > self.best

    def update(self, metric: float) -> float:
        """Record one epoch's monitored value; return the learning rate to use next.

        Args:
            metric: the monitored value (finite).

        Returns:
            The (possibly reduced) learning rate.
        """
        metric = check_real(metric, "metric")
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(metric):
            self.best = metric
            self.wait = 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience and self.learning_rate > self.min_lr:
                self.learning_rate = max(self.learning_rate * self.factor, self.min_lr)
                self.cooldown_counter = self.cooldown
                self.wait = 0
        return self.learning_rate

    def __call__(self, step: float) -> float:
        """The current learning rate (``step`` is ignored; see :meth:`update`)."""
        return self.learning_rate


def _check_flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return value


def _check_sequence(value: object, name: str) -> list:
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a list of numbers, got {type(value).__name__}")
    return list(value)
