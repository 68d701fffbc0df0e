"""PoseLoops: turn a body, a picture, a sound or a throw of dice into a drum loop.

``import poseloops`` needs NumPy only; the model, audio, pose and server parts
load their heavier libraries when they are used.
"""

from .blas_kernel import choose_openblas_kernel

choose_openblas_kernel()  # before NumPy loads: see blas_kernel.py

from .errors import InputError, KitError, ModelError, NoPersonError, ParameterError, PoseLoopsError
from .pattern import DRUM_NAMES, NUM_DRUMS, Pattern

__all__ = [
    "DRUM_NAMES",
    "NUM_DRUMS",
    "InputError",
    "KitError",
    "ModelError",
    "NoPersonError",
    "ParameterError",
    "Pattern",
    "PoseLoopsError",
]
__version__ = "0.1.0"
