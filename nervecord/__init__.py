"""nervecord: controllers copied from nervous systems, for simulated and real robots."""

import os

__version__ = "0.1.0"

# Robots and CI machines usually have no display: render offscreen through EGL
# unless the user chose a backend (or has a display for GLFW).
if "MUJOCO_GL" not in os.environ and not os.environ.get("DISPLAY"):
    os.environ["MUJOCO_GL"] = "egl"
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
