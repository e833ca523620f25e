"""Shared test settings: headless rendering and small, quick simulators."""

import os

os.environ.setdefault("MUJOCO_GL", "egl")
os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

import torch  # noqa: E402

# As the command line does: small policies run fastest on one intra-op thread.
torch.set_num_threads(1)
