"""dlcore: NumPy reference implementations for *Training Deep Networks*.

Every technique the course teaches is implemented here in a few lines of NumPy
(forward pass, derivative / backward pass, update rule) and tested against
finite differences and against TensorFlow/Keras.

Imports: the core imports NumPy and SciPy (``scipy.stats`` for the t distribution and
t-tests, ``scipy.special`` for the normal CDF of GELU), plus tqdm and threadpoolctl in
the training loop; :mod:`dlcore.plotting` needs matplotlib; :mod:`dlcore.data` imports
the ``mnist1d`` generator and :mod:`dlcore.keras_tools` TensorFlow lazily, only when a
function needs them. Importing any module never imports TensorFlow.

Layout (which module owns which idea):

:mod:`~dlcore.activations`
    parameter-free elementwise functions and their derivatives, by name
    (``activations.get``)
:mod:`~dlcore.layers`
    layer-like operations, forward ``-> (out, cache)`` and backward ``(dout, cache)``:
    dense, PReLU, RReLU, maxout, softmax
:mod:`~dlcore.normalization`
    batch norm and layer norm
:mod:`~dlcore.initializers`
    weight initializers, by name (``initializers.get``)
:mod:`~dlcore.optimizers`
    SGD, momentum, RMSprop, Adam, ... with Keras' update rules
:mod:`~dlcore.schedules`
    learning-rate schedules
:mod:`~dlcore.preprocessing`
    centering, standardization, PCA and whitening (fit on training data, transform any)
:mod:`~dlcore.losses`
    softmax cross-entropy and MSE with their gradients
:mod:`~dlcore.nn`
    the MLP with manual backprop, and the training loop
:mod:`~dlcore.ensemble`
    many small MLPs trained at once as one batched network
:mod:`~dlcore.experiment`
    budgets, seed offsets, conclusion and pinned asserts
:mod:`~dlcore.stats`
    confidence intervals, t-tests, Holm, steps to target
:mod:`~dlcore.data`
    generated data sets (spirals, moons, MNIST-1D, ...)
:mod:`~dlcore.diagnostics`
    activation and gradient statistics of a network
:mod:`~dlcore.gradcheck`
    finite differences and relative error
:mod:`~dlcore.plotting`
    the course's figure style and plots
:mod:`~dlcore.keras_tools`
    the same networks in Keras, for comparison
:mod:`~dlcore.seed`
    :func:`seed_everything`

Conventions: arguments are checked by :mod:`dlcore._validation` (errors name the
parameter); every function that draws random numbers takes a ``numpy.random.Generator``
``rng``; NaN or infinity in an input raises unless a docstring says it passes through.
"""

from dlcore.seed import seed_everything

__version__ = "0.1.0"

__all__ = ["__version__", "seed_everything"]
