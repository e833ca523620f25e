"""Controllers copied from nervous systems, and their baselines.

``make_controller(kind, n_joints, **settings)`` builds any of them by name, which
is how the command line and checkpoints refer to them.
"""

from __future__ import annotations

from typing import Any

from nervecord.controllers.base import Controller
from nervecord.controllers.mlp import MLPController
from nervecord.controllers.ncap import NCAP, SignMode

CONTROLLERS: dict[str, type[Controller]] = {"ncap": NCAP, "mlp": MLPController}


def make_controller(kind: str, n_joints: int, **settings: Any) -> Controller:
    """Build a controller by name ("ncap", "mlp") for a body of ``n_joints``."""
    if kind not in CONTROLLERS:
        raise ValueError(f"unknown controller {kind!r}; choose from {sorted(CONTROLLERS)}")
    return CONTROLLERS[kind](n_joints, **settings)


__all__ = ["CONTROLLERS", "Controller", "MLPController", "NCAP", "SignMode", "make_controller"]
