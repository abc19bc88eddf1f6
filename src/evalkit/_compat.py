"""Old import paths of evalkit 0.1 (flat modules), kept for one release.

Each old module (``evalkit.income``, ``evalkit.report``, …) is a two-line file calling
:func:`moved`: importing it warns with a :class:`DeprecationWarning` naming the new path and
hands back the new module itself, so names, private helpers and monkeypatching all behave as
before. These files go in evalkit 0.3.
"""

from __future__ import annotations

import importlib
import sys
import types
import warnings


def moved(old: str, new: str) -> None:
    """Replace module ``old`` in :data:`sys.modules` by module ``new``, with a DeprecationWarning."""
    warnings.warn(f"{old} has moved to {new}; the old path goes in evalkit 0.3", DeprecationWarning, stacklevel=3)
    sys.modules[old] = importlib.import_module(new)


class _CallableModule(types.ModuleType):
    """A module that can be called: forwards to its function of the same name (``evalkit.scorecard``)."""

    def __call__(self, *args, **kwargs):
        return getattr(self, self.__name__.rsplit(".", 1)[-1])(*args, **kwargs)


def moved_callable(old: str, new: str) -> None:
    """:func:`moved`, for an old path that is also the name of a public function of ``evalkit``
    (``evalkit.scorecard``, ``evalkit.watchlist``): the module becomes callable, so the attribute
    ``evalkit.<name>`` works as the function whether or not the old path was imported."""
    moved(old, new)
    sys.modules[old].__class__ = _CallableModule
