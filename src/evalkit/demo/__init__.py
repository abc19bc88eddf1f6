"""The SYNTHETIC demo panel: a deterministic generator calibrated to published national figures,
with known true effects (:mod:`evalkit.demo.generator`). Imports only evalkit.core."""

from evalkit.demo import generator
from evalkit.demo.generator import *  # noqa: F403

__all__ = list(generator.__all__)
