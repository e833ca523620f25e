"""Plots and videos of swimmer runs (matplotlib, imageio)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import imageio.v2 as imageio
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from nervecord.controllers.base import Controller  # noqa: E402
from nervecord.envs import SwimmerEnv  # noqa: E402
from nervecord.envs import swimmer_model as sm  # noqa: E402


def plot_kymograph(
    joint_angles: np.ndarray, path: str | Path, control_timestep: float, title: str = ""
) -> Path:
    """Joint angle against time and position along the body, plus the traces.

    Args:
        joint_angles: (T, n_joints) hinge angles in rad, head joint first.
        path: PNG to write.
        control_timestep: seconds per row of ``joint_angles``.
        title: figure title.
    """
    path = Path(path)
    steps, n_joints = joint_angles.shape
    time = np.arange(steps) * control_timestep
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True, height_ratios=[2, 1])
    limit = float(np.abs(joint_angles).max()) or 1.0
    image = top.imshow(
        joint_angles.T,
        aspect="auto",
        origin="upper",
        cmap="RdBu_r",
        vmin=-limit,
        vmax=limit,
        extent=(time[0], time[-1] + control_timestep, n_joints - 0.5, -0.5),
        interpolation="nearest",
    )
    top.set_ylabel("joint (0 = head)")
    top.set_title(title or "kymograph of joint angles")
    fig.colorbar(image, ax=top, label="angle (rad)")
    for j in range(n_joints):
        bottom.plot(time, joint_angles[:, j], lw=1, label=f"joint {j}")
    bottom.set_xlabel("time (s)")
    bottom.set_ylabel("angle (rad)")
    bottom.legend(ncol=min(n_joints, 7), fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_returns_by_links(
    links: Sequence[int], means: Sequence[float], stds: Sequence[float], path: str | Path
) -> Path:
    """Bar chart of mean return (with spread) against link count."""
    path = Path(path)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    positions = np.arange(len(links))
    ax.bar(positions, means, yerr=stds, color="tab:orange", capsize=4)
    ax.set_xticks(positions, [str(n) for n in links])
    ax.set_xlabel("links")
    ax.set_ylabel("episode return (of 1000)")
    ax.set_ylim(0, 1000)
    ax.set_title("untrained NCAP across body lengths")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


@torch.no_grad()
def record_video(
    controller: Controller,
    n_links: int,
    path: str | Path,
    seconds: float = 10.0,
    seed: int = 0,
    width: int = 480,
    height: int = 360,
) -> Path:
    """Render ``controller`` swimming for ``seconds`` to an MP4 (or GIF) file."""
    path = Path(path)
    env = SwimmerEnv(n_links=n_links, render_mode="rgb_array", width=width, height=height)
    observation, _ = env.reset(seed=seed)
    frames = [env.render()]
    for _ in range(int(round(seconds / sm.CONTROL_TIMESTEP))):
        action = controller(torch.as_tensor(observation)[None])[0].numpy()
        observation, *_ = env.step(action)
        frames.append(env.render())
    env.close()
    fps = env.metadata["render_fps"]
    if path.suffix == ".gif":
        imageio.mimsave(path, frames, duration=1000 / fps, loop=0)
    else:
        imageio.mimsave(path, frames, fps=fps, macro_block_size=8)
    return path
