"""Old import paths of evalkit 0.1 (flat modules), kept for one release.

Each old module (``evalkit.income``, ``evalkit.report``, …) is a two-line file calling
:func:`moved`: importing it warns with a :class:`DeprecationWarning` naming the new path and
hands back the new module itself, so names, private helpers and monkeypatching all behave as
before. These files go in evalkit 0.3.
"""

from __future__ import annotations

import importlib
import sys
import warnings


def moved(old: str, new: str) -> None:
    """Replace module ``old`` in :data:`sys.modules` by module ``new``, with a DeprecationWarning."""
    warnings.warn(f"{old} has moved to {new}; the old path goes in evalkit 0.3", DeprecationWarning, stacklevel=3)
    sys.modules[old] = importlib.import_module(new)
