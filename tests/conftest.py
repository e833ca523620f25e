"""Shared test settings: headless rendering and small, quick simulators."""

import os

os.environ.setdefault("MUJOCO_GL", "egl")
os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
# ROS 2 discovery stays on loopback; tests that start nodes also pick their own domain.
os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
os.environ.setdefault("ROS_DOMAIN_ID", str(10 + os.getpid() % 80))

import torch  # noqa: E402

# As the command line does: small policies run fastest on one intra-op thread.
torch.set_num_threads(1)
