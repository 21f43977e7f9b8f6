r"""Gradient-descent optimizers with Keras' argument names, defaults and update rules.

Every optimizer has the same interface::

    opt = Adam(learning_rate=1e-3)
    opt.step(params, grads)   # two dicts name -> array; params updated in place

Per-parameter state (momentum, squared-gradient averages, ...) is created lazily the
first time a name is seen and kept in ``opt.state[name]``; ``opt.iterations`` counts
the steps taken. ``learning_rate`` is a positive float or a schedule, i.e. any
callable ``step -> lr`` (see :mod:`dlcore.schedules`); like Keras, the schedule is
called with the number of steps already taken (0 for the first step).

Each class implements exactly the update rule of the ``keras.optimizers`` class of the
same name (Keras 3) in float64, and its docstring says where that rule differs from
the paper that introduced the method. In the formulas :math:`g_t` is the gradient,
:math:`\theta` the parameter, :math:`\eta` the learning rate and :math:`t` the
1-based step number.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlcore._validation import (
    as_float_array,
    check_bool,
    check_in_range,
    check_positive,
    check_same_keys,
    check_shape,
    lookup,
    no_params_with_instance,
)

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Lion",
    "Optimizer",
    "RMSprop",
    "get",
    "names",
]

LearningRate = float | Callable[[int], float]


def _check_unit_interval(value: object, name: str, *, allow_one: bool = False) -> float:
    """A decay rate or momentum coefficient: in [0, 1) (or [0, 1])."""
    return check_in_range(value, name, 0.0, 1.0, high_inclusive=allow_one)


class Optimizer:
    """Base class: argument checks, lazy per-parameter state and the step counter.

    Subclasses define ``_slots`` (names of the state arrays, created as zeros unless
    ``_init_slot`` says otherwise) and ``_update(param, grad, state, lr)``, which
    changes ``param`` in place.
    """

    _slots: tuple[str, ...] = ()
    weight_decay: float | None = None

    def __init__(self, learning_rate: LearningRate) -> None:
        if callable(learning_rate):
            self.learning_rate = learning_rate
        else:
            self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.iterations = 0
        self.state: dict[str, dict[str, np.ndarray]] = {}

    def current_learning_rate(self) -> float:
        """The learning rate the next :meth:`step` will use.

        For a schedule this is ``learning_rate(iterations)``; the result must be a
        finite number ``>= 0`` (a schedule may decay to exactly 0).
        """
        if not callable(self.learning_rate):
            return self.learning_rate
        return check_positive(
            self.learning_rate(self.iterations),
            f"learning_rate({self.iterations}) (the schedule's value)",
            allow_zero=True,
        )

    def _init_slot(self, name: str, param: np.ndarray) -> np.ndarray:
        return np.zeros(param.shape, dtype=param.dtype)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, lr: float) -> None:
        raise NotImplementedError  # pragma: no cover - every subclass defines it

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        r"""Apply one update to every array in ``params`` (in place) and count the step.

        Args:
            params: dict name -> floating-point numpy array (changed in place).
            grads: dict with the same names -> gradient arrays of the same shapes.

        Everything is checked before anything is changed, so a bad call (wrong keys or
        shapes, or a gradient holding NaN or infinity) raises and leaves the parameters,
        the optimizer state and ``iterations`` untouched.

        With ``weight_decay`` :math:`\lambda` set (AdamW, Lion), every parameter is
        first shrunk, :math:`\theta \leftarrow \theta - \eta\lambda\theta`, then updated
        by the rule (Keras' decoupled weight decay).

        Example:
            >>> opt = SGD(learning_rate=0.5)
            >>> params = {"w": np.array([1.0, -2.0])}
            >>> opt.step(params, {"w": np.array([1.0, 1.0])})
            >>> params["w"], opt.iterations
            (array([ 0.5, -2.5]), 1)
            >>> opt.step(params, {"w": np.array([np.nan, 1.0])})  # doctest: +ELLIPSIS
            Traceback (most recent call last):
            ...
            ValueError: grads['w'] contains NaN or infinity (1 of 2 entries) at step 2; ...
        """
        check_same_keys(params, grads, "params", "grads")
        checked = []
        for key, param in params.items():
            if not isinstance(param, np.ndarray) or param.dtype.kind != "f":
                raise TypeError(
                    f"params[{key!r}] must be a floating-point numpy array (it is updated "
                    f"in place), got {type(param).__name__}"
                )
            grad = as_float_array(grads[key], f"grads[{key!r}]")
            check_shape(grad, param.shape, f"grads[{key!r}]")
            if not np.all(np.isfinite(grad)):
                bad = int(np.size(grad) - np.count_nonzero(np.isfinite(grad)))
                raise ValueError(
                    f"grads[{key!r}] contains NaN or infinity ({bad} of {np.size(grad)} "
                    f"entries) at step {self.iterations + 1}; nothing was updated (the "
                    f"loss has probably diverged: lower the learning rate)"
                )
            if key in self.state:
                some_slot = next(iter(self.state[key].values()), None)
                if some_slot is not None and some_slot.shape != param.shape:
                    raise ValueError(
                        f"params[{key!r}] has shape {param.shape}, but this optimizer's "
                        f"state for {key!r} was created for shape {some_slot.shape}"
                    )
            checked.append((key, param, grad))
        lr = self.current_learning_rate()
        for key, param, grad in checked:
            if key not in self.state:
                self.state[key] = {s: self._init_slot(s, param) for s in self._slots}
            if self.weight_decay:
                param -= param * self.weight_decay * lr
            self._update(param, grad, self.state[key], lr)
        self.iterations += 1

    def __repr__(self) -> str:
        return f"{type(self).__name__}(learning_rate={self.learning_rate!r})"


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with (Nesterov) momentum.

    Keras' velocity :math:`v` (``momentum`` :math:`\mu`, initial :math:`v = 0`)
    already contains the learning rate and the minus sign:

    .. math::

        v_t = \mu v_{t-1} - \eta g_t, \qquad
        \theta_t = \theta_{t-1} + v_t \quad \text{(heavy ball)}, \qquad
        \theta_t = \theta_{t-1} + \mu v_t - \eta g_t \quad \text{(Nesterov)} .

    With :math:`\mu = 0` this is plain :math:`\theta_t = \theta_{t-1} - \eta g_t`.

    *Sign convention.* Polyak's heavy ball is often written with a positive
    "momentum buffer" :math:`b_t = \mu b_{t-1} + g_t`, :math:`\theta_t = \theta_{t-1} -
    \eta b_t` (PyTorch). Keras' :math:`v_t = -\eta b_t`, so the two give the same
    trajectory for a constant :math:`\eta` but differ when :math:`\eta` changes (Keras
    keeps the old step sizes inside :math:`v`); dlcore follows Keras.

    *Nesterov.* Sutskever et al. (2013) evaluate the gradient at the look-ahead point
    :math:`\theta + \mu v`. Keras (and dlcore) use the equivalent reformulation in
    the look-ahead variable (Bengio et al., 2013), which needs only the gradient at
    the stored parameters: the step is :math:`\mu v_t - \eta g_t`.

    Args:
        learning_rate: :math:`\eta > 0` or a schedule. Keras default 0.01.
        momentum: :math:`\mu \in [0, 1]`. Default 0.
        nesterov: use Nesterov momentum. Default False.

    References:
        Polyak, B. T. (1964). Some methods of speeding up the convergence of iteration
        methods. USSR Computational Mathematics and Mathematical Physics 4(5).

        Nesterov, Y. (1983). A method for solving the convex programming problem with
        convergence rate O(1/k^2). Soviet Mathematics Doklady 27.

        Sutskever, I., Martens, J., Dahl, G. and Hinton, G. (2013). On the importance of
        initialization and momentum in deep learning. ICML.

        Bengio, Y., Boulanger-Lewandowski, N. and Pascanu, R. (2013). Advances in
        optimizing recurrent networks. ICASSP. https://arxiv.org/abs/1212.0901

    Example:
        >>> opt = SGD(learning_rate=0.5, momentum=0.5)
        >>> params = {"w": np.array([0.0])}
        >>> for _ in range(3):  # a constant gradient: steps 0.5, 0.75, 0.875 -> 0.5/(1-0.5)
        ...     opt.step(params, {"w": np.array([1.0])})
        >>> params["w"]
        array([-2.125])
    """

    def __init__(
        self, learning_rate: LearningRate = 0.01, momentum: float = 0.0, nesterov: bool = False
    ) -> None:
        super().__init__(learning_rate)
        self.momentum = _check_unit_interval(momentum, "momentum", allow_one=True)
        self.nesterov = check_bool(nesterov, "nesterov")
        self._slots = ("velocity",) if self.momentum != 0 else ()

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, lr: float) -> None:
        if self.momentum == 0:
            param -= lr * grad
            return
        v = state["velocity"]
        v *= self.momentum
        v -= lr * grad
        if self.nesterov:
            param += self.momentum * v - lr * grad
        else:
            param += v


class Adagrad(Optimizer):
    r"""AdaGrad: per-coordinate step sizes from the sum of squared gradients.

    .. math::

        a_t = a_{t-1} + g_t^2, \qquad
        \theta_t = \theta_{t-1} - \frac{\eta\, g_t}{\sqrt{a_t + \epsilon}},

    starting from :math:`a_0` = ``initial_accumulator_value``.

    *Keras vs. paper.* Duchi et al. (2011) start from :math:`a_0 = 0` and add
    :math:`\delta` *outside* the square root, :math:`\eta g_t / (\delta + \sqrt{a_t})`.
    Keras starts the accumulator at 0.1 and adds :math:`\epsilon` *inside* the root;
    dlcore follows Keras (pinned by a test).

    Args:
        learning_rate: :math:`\eta > 0` or a schedule. Keras default 0.001.
        initial_accumulator_value: :math:`a_0 \ge 0`. Default 0.1.
        epsilon: :math:`\epsilon > 0`. Default 1e-7.

    References:
        Duchi, J., Hazan, E. and Singer, Y. (2011). Adaptive Subgradient Methods for
        Online Learning and Stochastic Optimization. JMLR 12.
        https://jmlr.org/papers/v12/duchi11a.html

    Example:
        >>> opt = Adagrad(learning_rate=1.0, initial_accumulator_value=0.0, epsilon=1e-12)
        >>> params = {"w": np.array([0.0, 0.0])}
        >>> opt.step(params, {"w": np.array([100.0, 0.01])})  # both coordinates move by ~1
        >>> np.round(params["w"], 6)
        array([-1., -1.])
    """

    _slots = ("accumulator",)

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
    ) -> None:
        super().__init__(learning_rate)
        self.initial_accumulator_value = check_positive(
            initial_accumulator_value, "initial_accumulator_value", allow_zero=True
        )
        self.epsilon = check_positive(epsilon, "epsilon")

    def _init_slot(self, name: str, param: np.ndarray) -> np.ndarray:
        return np.full(param.shape, self.initial_accumulator_value, dtype=param.dtype)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, lr: float) -> None:
        acc = state["accumulator"]
        acc += grad**2
        param -= lr * grad / np.sqrt(acc + self.epsilon)


class Adadelta(Optimizer):
    r"""AdaDelta: RMSprop whose step size is the RMS of past updates.

    .. math::

        E[g^2]_t = \rho E[g^2]_{t-1} + (1-\rho) g_t^2, \qquad
        \Delta_t = -\frac{\sqrt{E[\Delta^2]_{t-1} + \epsilon}}{\sqrt{E[g^2]_t + \epsilon}}\,
        g_t,

    .. math::

        E[\Delta^2]_t = \rho E[\Delta^2]_{t-1} + (1-\rho) \Delta_t^2, \qquad
        \theta_t = \theta_{t-1} + \eta \Delta_t .

    *Keras vs. paper.* Zeiler (2012) has no learning rate (:math:`\eta = 1`): the
    ratio of RMS values is meant to make it unnecessary. Keras multiplies the update
    by ``learning_rate`` with default 0.001, so Keras' default Adadelta takes steps
    1000 times smaller than the paper's; the accumulator :math:`E[\Delta^2]` stores the
    *unscaled* :math:`\Delta_t`. dlcore follows Keras; pass ``learning_rate=1.0`` for
    the paper's method (both pinned by tests).

    Args:
        learning_rate: :math:`\eta > 0` or a schedule. Keras default 0.001.
        rho: decay rate :math:`\rho \in [0, 1)`. Default 0.95.
        epsilon: :math:`\epsilon > 0`. Default 1e-7.

    References:
        Zeiler, M. D. (2012). ADADELTA: An Adaptive Learning Rate Method.
        arXiv:1212.5701. https://arxiv.org/abs/1212.5701

    Example:
        >>> opt = Adadelta(learning_rate=1.0, rho=0.95, epsilon=1e-6)
        >>> params = {"w": np.array([0.0])}
        >>> opt.step(params, {"w": np.array([1.0])})  # -sqrt(eps) / sqrt(0.05 + eps)
        >>> np.round(params["w"], 6)
        array([-0.004472])
    """

    _slots = ("accumulated_grad", "accumulated_delta")

    def __init__(
        self, learning_rate: LearningRate = 0.001, rho: float = 0.95, epsilon: float = 1e-7
    ) -> None:
        super().__init__(learning_rate)
        self.rho = _check_unit_interval(rho, "rho")
        self.epsilon = check_positive(epsilon, "epsilon")

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, lr: float) -> None:
        eg2, ed2 = state["accumulated_grad"], state["accumulated_delta"]
        rho, eps = self.rho, self.epsilon
        eg2 *= rho
        eg2 += (1.0 - rho) * grad**2
        delta = -np.sqrt(ed2 + eps) * grad / np.sqrt(eg2 + eps)
        ed2 *= rho
        ed2 += (1.0 - rho) * delta**2
        param += lr * delta


class RMSprop(Optimizer):
    r"""RMSprop: divide the gradient by a running RMS of recent gradients.

    .. math::

        v_t = \rho v_{t-1} + (1-\rho) g_t^2, \qquad
        s_t = \frac{\eta\, g_t}{\sqrt{v_t + \epsilon}}, \qquad
        \theta_t = \theta_{t-1} - s_t .

    With ``centered=True`` the second moment is replaced by a variance estimate,
    :math:`\bar g_t = \rho \bar g_{t-1} + (1-\rho) g_t` and
    :math:`s_t = \eta g_t / \sqrt{v_t - \bar g_t^2 + \epsilon}` (Graves, 2013). With
    ``momentum`` :math:`\mu > 0` the steps are accumulated,
    :math:`m_t = \mu m_{t-1} + s_t`, :math:`\theta_t = \theta_{t-1} - m_t`.

    *Keras vs. lecture.* Tieleman & Hinton (2012) divide by :math:`\sqrt{v_t}`;
    Keras (and dlcore) add :math:`\epsilon` inside the root and start from
    :math:`v_0 = 0` (no bias correction, so early steps are large:
    :math:`s_1 = \eta g_1/\sqrt{(1-\rho) g_1^2 + \epsilon}`, pinned by a test).

    Args:
        learning_rate: :math:`\eta > 0` or a schedule. Keras default 0.001.
        rho: decay rate :math:`\rho \in [0, 1)`. Default 0.9.
        momentum: :math:`\mu \in [0, 1]`. Default 0.
        epsilon: :math:`\epsilon > 0`. Default 1e-7.
        centered: subtract the squared running mean gradient. Default False.

    References:
        Tieleman, T. and Hinton, G. (2012). Lecture 6.5 - rmsprop: Divide the gradient
        by a running average of its recent magnitude. COURSERA: Neural Networks for
        Machine Learning.

        Graves, A. (2013). Generating Sequences With Recurrent Neural Networks.
        arXiv:1308.0850. https://arxiv.org/abs/1308.0850

    Example:
        >>> opt = RMSprop(learning_rate=0.01, rho=0.9, epsilon=1e-12)
        >>> params = {"w": np.array([0.0])}
        >>> opt.step(params, {"w": np.array([5.0])})  # first step: lr / sqrt(1 - rho)
        >>> np.round(params["w"], 6)
        array([-0.031623])
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
    ) -> None:
        super().__init__(learning_rate)
        self.rho = _check_unit_interval(rho, "rho")
        self.momentum = _check_unit_interval(momentum, "momentum", allow_one=True)
        self.epsilon = check_positive(epsilon, "epsilon")
        self.centered = check_bool(centered, "centered")
        self._slots = (
            ("velocity",)
            + (("momentum",) if self.momentum > 0 else ())
            + (("average_gradient",) if self.centered else ())
        )

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, lr: float) -> None:
        rho = self.rho
        v = state["velocity"]
        v *= rho
        v += (1.0 - rho) * grad**2
        if self.centered:
            avg = state["average_gradient"]
            avg *= rho
            avg += (1.0 - rho) * grad
            denominator = v - avg**2 + self.epsilon
        else:
            denominator = v + self.epsilon
        increment = lr * grad / np.sqrt(denominator)
        if self.momentum > 0:
            m = state["momentum"]
            m *= self.momentum
            m += increment
            param -= m
        else:
            param -= increment


class Adam(Optimizer):
    r"""Adam (and AMSGrad): momentum on the gradient, RMSprop scaling, bias correction.

    Keras' (and dlcore's) form, with :math:`m_0 = v_0 = 0`:

    .. math::

        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,

    .. math::

        \alpha_t = \eta\, \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}, \qquad
        \theta_t = \theta_{t-1} - \frac{\alpha_t\, m_t}{\sqrt{v_t} + \epsilon} .

    *Keras vs. paper (epsilon placement).* Algorithm 1 of Kingma & Ba (2015)
    bias-corrects first, :math:`\hat m_t = m_t/(1-\beta_1^t)`,
    :math:`\hat v_t = v_t/(1-\beta_2^t)`, and steps by
    :math:`\eta \hat m_t / (\sqrt{\hat v_t} + \epsilon)`. Keras uses the "efficient"
    form of the paper's Section 2, whose :math:`\epsilon` is the paper's
    :math:`\hat\epsilon = \epsilon\sqrt{1-\beta_2^t}` in Algorithm 1's terms: early on
    (:math:`\sqrt{1-\beta_2^t}` small) Keras' :math:`\epsilon` acts much larger. The two
    agree only when :math:`\epsilon \ll \sqrt{v_t}`. dlcore follows Keras (pinned by a
    test with gradients of the size of :math:`\epsilon`).

    *AMSGrad.* With ``amsgrad=True``, :math:`\hat v_t = \max(\hat v_{t-1}, v_t)` replaces
    :math:`v_t` in the denominator. Reddi et al. (2018) take the maximum without any
    bias correction; Keras takes the maximum of the *uncorrected* :math:`v_t` and
    keeps the bias-corrected :math:`\alpha_t` above. dlcore follows Keras.

    Args:
        learning_rate: :math:`\eta > 0` or a schedule. Keras default 0.001.
        beta_1: :math:`\beta_1 \in [0, 1)`. Default 0.9.
        beta_2: :math:`\beta_2 \in [0, 1)`. Default 0.999.
        epsilon: :math:`\epsilon > 0`. Default 1e-7 (the paper suggests 1e-8).
        amsgrad: use AMSGrad's running maximum. Default False.

    References:
        Kingma, D. P. and Ba, J. (2015). Adam: A Method for Stochastic Optimization.
        ICLR. https://arxiv.org/abs/1412.6980

        Reddi, S. J., Kale, S. and Kumar, S. (2018). On the Convergence of Adam and
        Beyond. ICLR. https://arxiv.org/abs/1904.09237

    Example:
        >>> opt = Adam(learning_rate=0.1, epsilon=1e-12)
        >>> params = {"w": np.array([0.0, 0.0])}
        >>> opt.step(params, {"w": np.array([1e3, -1e-3])})  # bias-corrected: lr * sign(g)
        >>> np.round(params["w"], 6)
        array([-0.1,  0.1])
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(learning_rate)
        self.beta_1 = _check_unit_interval(beta_1, "beta_1")
        self.beta_2 = _check_unit_interval(beta_2, "beta_2")
        self.epsilon = check_positive(epsilon, "epsilon")
        self.amsgrad = check_bool(amsgrad, "amsgrad")
        self._slots = ("m", "v") + (("v_hat",) if self.amsgrad else ())

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, lr: float) -> None:
        t = self.iterations + 1
        alpha = lr * np.sqrt(1.0 - self.beta_2**t) / (1.0 - self.beta_1**t)
        m, v = state["m"], state["v"]
        m += (grad - m) * (1.0 - self.beta_1)
        v += (grad**2 - v) * (1.0 - self.beta_2)
        if self.amsgrad:
            np.maximum(state["v_hat"], v, out=state["v_hat"])
            v = state["v_hat"]
        param -= alpha * m / (np.sqrt(v) + self.epsilon)


class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Each step first shrinks the parameter, then takes the Adam step of :class:`Adam`
    (same :math:`m, v`, bias correction and :math:`\epsilon` placement):

    .. math::

        \theta \leftarrow \theta - \eta \lambda \theta, \qquad
        \theta_t = \theta - \frac{\alpha_t\, m_t}{\sqrt{v_t} + \epsilon} .

    *Why "decoupled".* Adding :math:`\tfrac{\lambda}{2}\lVert\theta\rVert^2` to the loss
    ("L2 in Adam") puts :math:`\lambda\theta` into :math:`g_t`, so the decay is divided
    by :math:`\sqrt{v_t}` like everything else: weights with large gradients are barely
    decayed. AdamW keeps the decay out of :math:`m` and :math:`v`, so every weight shrinks
    by the same factor :math:`1 - \eta\lambda` per step.

    *Keras vs. paper.* Keras (and dlcore) multiply the decay by the learning rate
    :math:`\eta` (a schedule included); the paper multiplies :math:`\lambda` by a schedule
    multiplier :math:`\eta_t` only, so the paper's :math:`\lambda` corresponds to Keras'
    ``weight_decay`` times :math:`\eta`.

    Args:
        learning_rate: :math:`\eta > 0` or a schedule. Keras default 0.001.
        weight_decay: :math:`\lambda \ge 0`. Keras default 0.004.
        beta_1, beta_2, epsilon, amsgrad: as for :class:`Adam`.

    References:
        Loshchilov, I. and Hutter, F. (2019). Decoupled Weight Decay Regularization.
        ICLR. https://arxiv.org/abs/1711.05101

    Example:
        >>> opt = AdamW(learning_rate=0.1, weight_decay=0.5)
        >>> params = {"w": np.array([2.0])}
        >>> opt.step(params, {"w": np.array([0.0])})  # zero gradient: only the decay acts
        >>> params["w"]  # 2 * (1 - 0.1 * 0.5)
        array([1.9])
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad)
        self.weight_decay = check_positive(weight_decay, "weight_decay", allow_zero=True)


class Lion(Optimizer):
    r"""Lion ("evolved sign momentum", Chen et al., 2023): beyond the course's core.

    A rule found by a program search rather than derived. With :math:`m_0 = 0`:

    .. math::

        u_t = \operatorname{sign}\big(\beta_1 m_{t-1} + (1-\beta_1) g_t\big), \qquad
        \theta_t = \theta_{t-1} - \eta\, u_t, \qquad
        m_t = \beta_2 m_{t-1} + (1-\beta_2) g_t .

    Every coordinate moves by exactly :math:`\pm\eta` (or 0), so the step size does not
    depend on the gradient's scale at all; the authors recommend a learning rate 3-10
    times smaller than Adam's. The update interpolates with :math:`\beta_1` but the
    momentum is tracked with :math:`\beta_2`. With ``weight_decay`` :math:`\lambda`, the
    parameter is first shrunk by :math:`\eta\lambda\theta` (decoupled, as in
    :class:`AdamW`). Same arguments, defaults and update as ``keras.optimizers.Lion``.

    Args:
        learning_rate: :math:`\eta > 0` or a schedule. Keras default 0.001.
        beta_1: :math:`\beta_1 \in [0, 1]`, interpolation for the step. Default 0.9.
        beta_2: :math:`\beta_2 \in [0, 1)`, decay of the momentum. Default 0.99.
        weight_decay: :math:`\lambda \ge 0` or None (no decay). Default None.

    References:
        Chen, X. et al. (2023). Symbolic Discovery of Optimization Algorithms. NeurIPS.
        https://arxiv.org/abs/2302.06675

    Example:
        >>> opt = Lion(learning_rate=0.1)
        >>> params = {"w": np.array([1.0, 1.0, 1.0])}
        >>> opt.step(params, {"w": np.array([1e-6, -30.0, 0.0])})
        >>> params["w"]  # every entry moves by the learning rate, whatever the gradient's size
        array([0.9, 1.1, 1. ])
    """

    _slots = ("momentum",)

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.99,
        weight_decay: float | None = None,
    ) -> None:
        super().__init__(learning_rate)
        self.beta_1 = _check_unit_interval(beta_1, "beta_1", allow_one=True)
        self.beta_2 = _check_unit_interval(beta_2, "beta_2")
        if weight_decay is not None:
            weight_decay = check_positive(weight_decay, "weight_decay", allow_zero=True)
        self.weight_decay = weight_decay

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, lr: float) -> None:
        m = state["momentum"]
        param -= lr * np.sign(m * self.beta_1 + grad * (1.0 - self.beta_1))
        m *= self.beta_2
        m += grad * (1.0 - self.beta_2)


_OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adagrad": Adagrad,
    "adadelta": Adadelta,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
    "lion": Lion,
}


def names() -> list[str]:
    """Names that :func:`get` accepts (Keras' class names such as ``"RMSprop"`` work too).

    Example:
        >>> names()
        ['sgd', 'adagrad', 'adadelta', 'rmsprop', 'adam', 'adamw', 'lion']
    """
    return list(_OPTIMIZERS)


def get(name: str, **kwargs: object) -> Optimizer:
    """Build an optimizer by its (case-insensitive) Keras name, e.g. ``get("adam")``.

    Args:
        name: one of :func:`names` (``sgd``, ``adagrad``, ``adadelta``, ``rmsprop``,
            ``adam``, ``adamw``, ``lion``), or an optimizer object (returned as is).
        **kwargs: constructor arguments (``learning_rate``, ``momentum``, ...).

    Returns:
        A fresh optimizer.

    Example:
        >>> get("RMSprop", learning_rate=0.01)
        RMSprop(learning_rate=0.01)
    """
    if isinstance(name, Optimizer):
        no_params_with_instance("optimizer", kwargs)
        return name
    if isinstance(name, type) and issubclass(name, Optimizer):
        raise TypeError(
            f"name is the class {name.__name__}, not an optimizer: "
            f"instantiate it ({name.__name__}(...)) or pass its name"
        )
    return _OPTIMIZERS[lookup(name, "optimizer", _OPTIMIZERS)](**kwargs)
