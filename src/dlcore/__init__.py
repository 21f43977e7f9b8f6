"""dlcore: NumPy reference implementations for *Training Deep Networks*.

Every technique the course teaches is implemented here in a few lines of NumPy
(forward pass, derivative / backward pass, update rule) and tested against
finite differences and against TensorFlow/Keras. The core imports only NumPy;
plotting needs matplotlib; :mod:`dlcore.keras_tools` imports TensorFlow lazily.
"""

from dlcore.seed import seed_everything

__version__ = "0.1.0"

__all__ = ["__version__", "seed_everything"]
