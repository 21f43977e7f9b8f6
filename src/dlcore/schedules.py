r"""Learning-rate schedules: callables ``step -> learning rate``.

Each schedule can be passed as ``learning_rate`` to any optimizer in
:mod:`dlcore.optimizers`, which calls it with the number of steps already taken
(0, 1, 2, ...), as Keras does. The five Keras schedules
(:class:`ExponentialDecay`, :class:`InverseTimeDecay`, :class:`PiecewiseConstantDecay`,
:class:`CosineDecay`, :class:`CosineDecayRestarts`) take the same arguments and return
the same values as ``keras.optimizers.schedules`` (tested in float64).
:class:`StepDecay` is the classic
"divide by a factor every k epochs" schedule, and :class:`ReduceLROnPlateau` is the
logic of the Keras callback of the same name, driven by :meth:`~ReduceLROnPlateau.update`.
:class:`LinearWarmup` puts a linear ramp in front of any schedule, and
:func:`lr_range_test` runs Smith's learning-rate range test.

Note that Keras computes its schedules in float32 unless its hyperparameters are
given as float64 values; dlcore always computes in float64.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from dlcore._validation import (
    check_bool,
    check_choice,
    check_in_range,
    check_positive,
    check_positive_int,
    check_real,
)

__all__ = [
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LinearWarmup",
    "PiecewiseConstantDecay",
    "RangeTestResult",
    "ReduceLROnPlateau",
    "Schedule",
    "StepDecay",
    "analyze_range_test",
    "lr_range_test",
    "range_test_schedule",
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
        self.staircase = check_bool(staircase, "staircase")

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


class CosineDecayRestarts(Schedule):
    r"""Cosine decay with warm restarts (SGDR, Loshchilov & Hutter, 2017).

    The cosine of :class:`CosineDecay` is run over periods of length
    :math:`T_0, T_0 m_t, T_0 m_t^2, \dots`; at the start of period :math:`i` the rate
    jumps back up ("restarts") to :math:`\eta_0 [(1-\alpha) m_m^i + \alpha]`. Within
    period :math:`i`, at
    fraction :math:`f \in [0, 1)` of it,

    .. math::

        \eta(t) = \eta_0 \left[(1-\alpha)\, m_m^i\, \tfrac12 \big(1 + \cos(\pi f)\big)
        + \alpha\right].

    Note that Keras' floor :math:`\alpha\eta_0` is *not* multiplied by :math:`m_m^i`.
    Same arguments and values as ``keras.optimizers.schedules.CosineDecayRestarts``;
    dlcore finds the period by exact comparison with the period boundaries, where Keras
    uses a logarithm (so at a boundary step Keras may, by rounding, still be at the end of
    the previous period; tested).

    Args:
        initial_learning_rate: :math:`\eta_0 > 0`.
        first_decay_steps: :math:`T_0 > 0`.
        t_mul: :math:`m_t \ge 1`, each period is this many times longer. Default 2.
        m_mul: :math:`m_m > 0`, each restart peaks this many times higher. Default 1.
        alpha: :math:`\alpha \in [0, 1]`, the floor as a fraction of :math:`\eta_0`.
            Default 0.

    References:
        Loshchilov, I. and Hutter, F. (2017). SGDR: Stochastic Gradient Descent with
        Warm Restarts. ICLR. https://arxiv.org/abs/1608.03983

    Example:
        >>> sched = CosineDecayRestarts(1.0, first_decay_steps=10)
        >>> [round(sched(t), 3) for t in (0, 5, 9, 10, 20, 30)]  # periods of 10, 20, 40
        [1.0, 0.5, 0.024, 1.0, 0.5, 1.0]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        first_decay_steps: float,
        t_mul: float = 2.0,
        m_mul: float = 1.0,
        alpha: float = 0.0,
    ) -> None:
        self.initial_learning_rate = check_positive(initial_learning_rate, "initial_learning_rate")
        self.first_decay_steps = check_positive(first_decay_steps, "first_decay_steps")
        # t_mul < 1 would make the periods sum to T_0 / (1 - t_mul): no period after that.
        self.t_mul = check_in_range(t_mul, "t_mul", 1.0, math.inf, high_inclusive=False)
        self.m_mul = check_positive(m_mul, "m_mul")
        self.alpha = check_in_range(alpha, "alpha", 0.0, 1.0)

    def period(self, step: float) -> tuple[int, float]:
        """``(i, f)``: the index of the period that ``step`` falls in and the fraction of it."""
        x = check_positive(step, "step", allow_zero=True) / self.first_decay_steps
        if self.t_mul == 1.0:
            i = math.floor(x)
            return i, x - i

        def start(k: int) -> float:  # where period k starts, in units of T_0
            return (1.0 - self.t_mul**k) / (1.0 - self.t_mul)

        # the logarithm gives i up to rounding; the two loops make it exact
        i = max(0, math.floor(math.log1p(x * (self.t_mul - 1.0)) / math.log(self.t_mul)))
        while i > 0 and start(i) > x:
            i -= 1
        while start(i + 1) <= x:
            i += 1
        return i, (x - start(i)) / self.t_mul**i

    def _value(self, step: float) -> float:
        i, f = self.period(step)
        cosine = 0.5 * self.m_mul**i * (1.0 + math.cos(math.pi * f))
        return self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)


class LinearWarmup(Schedule):
    r"""A linear warm-up in front of any schedule (Goyal et al., 2017).

    .. math::

        \eta(t) = \eta_\text{start} + \big(s(0) - \eta_\text{start}\big)\, t / W
        \quad (t < W), \qquad \eta(t) = s(t - W) \quad (t \ge W),

    where :math:`s` is the schedule that follows (or a constant rate) and :math:`W` =
    ``warmup_steps``. ``LinearWarmup(CosineDecay(eta_w, T, alpha), W, eta_0)`` equals
    Keras' ``CosineDecay(eta_0, T, alpha, warmup_target=eta_w, warmup_steps=W)``
    (tested). Warm-up keeps the first steps small while Adam's second-moment estimate
    and a network's early, large gradients settle.

    Args:
        after: the schedule to follow (a callable ``step -> lr``) or a constant rate > 0.
        warmup_steps: :math:`W > 0`.
        initial_learning_rate: :math:`\eta_\text{start} \ge 0`. Default 0.

    References:
        Goyal, P. et al. (2017). Accurate, Large Minibatch SGD: Training ImageNet in
        1 Hour. https://arxiv.org/abs/1706.02677

    Example:
        >>> sched = LinearWarmup(0.1, warmup_steps=4)
        >>> [round(sched(t), 3) for t in range(6)]
        [0.0, 0.025, 0.05, 0.075, 0.1, 0.1]
    """

    def __init__(
        self,
        after: float | Callable[[float], float],
        warmup_steps: float,
        initial_learning_rate: float = 0.0,
    ) -> None:
        if not callable(after):
            after = check_positive(after, "after")
        self.after = after
        self.warmup_steps = check_positive(warmup_steps, "warmup_steps")
        self.initial_learning_rate = check_positive(
            initial_learning_rate, "initial_learning_rate", allow_zero=True
        )

    def _target(self, step: float) -> float:
        return self.after(step) if callable(self.after) else self.after

    def _value(self, step: float) -> float:
        if step < self.warmup_steps:
            rise = self._target(0) - self.initial_learning_rate
            return self.initial_learning_rate + rise * step / self.warmup_steps
        return self._target(step - self.warmup_steps)


def range_test_schedule(lr_min: float, lr_max: float, num_steps: int) -> ExponentialDecay:
    r"""The learning rate of a range test: geometric from ``lr_min`` to ``lr_max``.

    :math:`\eta(t) = \eta_\min (\eta_\max/\eta_\min)^{t/(n-1)}` for
    :math:`t = 0, \dots, n-1` (an :class:`ExponentialDecay` with a rate above 1).

    Example:
        >>> sched = range_test_schedule(1e-4, 1.0, 5)
        >>> [float(f"{sched(t):.3g}") for t in range(5)]
        [0.0001, 0.001, 0.01, 0.1, 1.0]
    """
    lr_min = check_positive(lr_min, "lr_min")
    lr_max = check_positive(lr_max, "lr_max")
    if lr_max <= lr_min:
        raise ValueError(f"lr_max must be > lr_min, got lr_min={lr_min}, lr_max={lr_max}")
    num_steps = check_positive_int(num_steps, "num_steps")
    if num_steps < 2:
        raise ValueError(f"num_steps must be >= 2, got {num_steps}")
    return ExponentialDecay(lr_min, num_steps - 1, lr_max / lr_min)


@dataclass
class RangeTestResult:
    """What :func:`analyze_range_test` finds.

    Attributes:
        lrs, losses: the rates tried and the loss of each step (up to the stop).
        smoothed: the bias-corrected exponential moving average of ``losses``.
        lr_at_min: the rate where ``smoothed`` is smallest.
        suggestion: ``lr_at_min / 10``, a rate safely below the point where the loss
            starts to rise (the usual rule of thumb, not a theorem).
        stopped_at: index of the step where the loss exceeded ``stop_factor`` times the
            best smoothed loss, became non-finite, or ``len(lrs)`` if it never did.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    lr_at_min: float
    suggestion: float
    stopped_at: int


def analyze_range_test(
    lrs: Sequence[float], losses: Sequence[float], *, beta: float = 0.9, stop_factor: float = 4.0
) -> RangeTestResult:
    r"""Smooth a range test's losses and locate the rate where they are lowest.

    The losses are smoothed by :math:`s_t = \beta s_{t-1} + (1-\beta) \ell_t` with bias
    correction :math:`s_t/(1-\beta^{t+1})` (as in Adam). The test stops at the first
    non-finite loss or the first smoothed loss above ``stop_factor`` times the best so
    far; the rate at the smallest smoothed loss before that is ``lr_at_min``.

    Args:
        lrs: increasing learning rates, one per step.
        losses: the loss of each step (NaN/inf allowed: they end the test).
        beta: smoothing factor in [0, 1). Default 0.9.
        stop_factor: > 1. Default 4.

    Example:
        >>> lrs = np.geomspace(1e-3, 10, 9)
        >>> losses = [5, 4, 3, 2, 1, 3, 9, np.inf, np.nan]
        >>> res = analyze_range_test(lrs, losses, beta=0.0)
        >>> float(res.lr_at_min), res.stopped_at  # 9 > 4 x 1 stops it at index 6
        (0.1, 6)
    """
    lrs = np.asarray(lrs, dtype=float)
    losses = np.asarray(losses, dtype=float)
    if lrs.ndim != 1 or lrs.shape != losses.shape or lrs.size < 2:
        raise ValueError(
            f"lrs and losses must be 1-D of the same length >= 2, got {lrs.shape}, {losses.shape}"
        )
    beta = check_in_range(beta, "beta", 0.0, 1.0, high_inclusive=False)
    stop_factor = check_in_range(stop_factor, "stop_factor", 1.0, math.inf, low_inclusive=False)
    smoothed = np.full(lrs.shape, np.nan)
    avg, best = 0.0, math.inf
    stop = len(lrs)
    for t, loss in enumerate(losses):
        if not np.isfinite(loss):
            stop = t
            break
        avg = beta * avg + (1.0 - beta) * loss
        smoothed[t] = avg / (1.0 - beta ** (t + 1))
        if smoothed[t] > stop_factor * best:
            stop = t
            break
        best = min(best, smoothed[t])
    if stop == 0:
        raise ValueError("the first loss is not finite: start the test at a smaller lr_min")
    i = int(np.nanargmin(smoothed[:stop]))
    return RangeTestResult(lrs[:stop], losses[:stop], smoothed[:stop], lrs[i], lrs[i] / 10, stop)


def lr_range_test(
    train_step: Callable[[float], float],
    lr_min: float = 1e-5,
    lr_max: float = 10.0,
    num_steps: int = 100,
    **analyze_kwargs: float,
) -> RangeTestResult:
    r"""Smith's learning-rate range test: one short run with a geometrically growing rate.

    Calls ``train_step(lr)`` for the rates of :func:`range_test_schedule` (each call
    takes one training step at that rate and returns its loss), stops early once the
    loss is not finite or 100 times the first loss, and analyses the curve with
    :func:`analyze_range_test`. The loss falls slowly for tiny rates, fast for good ones,
    and explodes beyond the stability limit; the minimum of the curve lies *past* that
    limit (an unstable direction needs a few steps to show), so pick a rate well below
    it (``suggestion``).

    Args:
        train_step: ``lr -> loss`` for one step (the model is the caller's).
        lr_min, lr_max: the range, ``0 < lr_min < lr_max``.
        num_steps: steps (>= 2).
        **analyze_kwargs: ``beta``, ``stop_factor`` for :func:`analyze_range_test`.

    References:
        Smith, L. N. (2017). Cyclical Learning Rates for Training Neural Networks.
        WACV. https://arxiv.org/abs/1506.01186

    Example:
        >>> rng = np.random.default_rng(0)
        >>> w = np.array([3.0])  # noisy GD on loss(w) = w^2: unstable for lr > 1
        >>> def step(lr):
        ...     loss = float(w[0] ** 2)
        ...     w[0] -= lr * (2 * w[0] + rng.normal())
        ...     return loss
        >>> res = lr_range_test(step, 1e-3, 10.0, 60)
        >>> # stopped soon after the stability limit; the suggestion is well below it
        >>> bool(res.suggestion < 1.0 < res.lrs[-1] < 10.0)
        True
    """
    if not callable(train_step):
        raise TypeError(
            f"train_step must be a callable lr -> loss, got {type(train_step).__name__}"
        )
    sched = range_test_schedule(lr_min, lr_max, num_steps)
    lrs = np.array([sched(t) for t in range(num_steps)])
    losses = np.full(num_steps, np.nan)
    for t, lr in enumerate(lrs):  # stop early once the run has clearly diverged
        losses[t] = float(train_step(float(lr)))
        if not np.isfinite(losses[t]) or losses[t] > 100.0 * abs(losses[0]):
            break
    return analyze_range_test(lrs, losses, **analyze_kwargs)


def _check_sequence(value: object, name: str) -> list:
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a list of numbers, got {type(value).__name__}")
    return list(value)
