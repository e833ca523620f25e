"""PPO (stable-baselines3) with any nervecord controller as the actor.

The controller's output is the mean of a diagonal Gaussian over actions; the
exploration std is a learnable (or fixed) parameter; the critic is an MLP on
the full observation. Environments reach stable-baselines3 through
:class:`GymnasiumVecEnv`, an adapter from gymnasium's vector API, so PPO runs
on the batched simulator or, as a baseline, on gymnasium's ``SyncVectorEnv``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium.vector import AutoresetMode, VectorEnv
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.policies import ActorCriticPolicy
from stable_baselines3.common.vec_env.base_vec_env import VecEnv
from torch import nn
from tqdm.auto import tqdm

from nervecord.checkpoints import latest_checkpoint, load_checkpoint, save_checkpoint
from nervecord.controllers import Controller, make_controller
from nervecord.envs import SWIMMER_ID
from nervecord.envs.vector import SwimmerVectorEnv
from nervecord.evaluate import evaluate
from nervecord.training.progress import PROGRESS, ProgressLog

log = logging.getLogger(__name__)

# stable-baselines3's PPO defaults except the rollout length and network sizes
# of the swim-task baseline (8 envs x 512 steps, 256x256 tanh networks).
PPO_DEFAULTS: dict[str, Any] = {
    "n_envs": 8,
    "n_steps": 512,
    "critic_sizes": [256, 256],
    "log_std_init": 0.0,
    "fixed_std": False,
    "eval_every": 10_000,
    "eval_episodes": 3,
    "env": "batched",
}
# The MLP actor as stable-baselines3's own MlpPolicy builds it.
SB3_MLP_SETTINGS = {"output_activation": "none", "init": "orthogonal"}


class GymnasiumVecEnv(VecEnv):
    """stable-baselines3 VecEnv over a gymnasium VectorEnv with same-step autoreset.

    Finished episodes are reported as stable-baselines3 expects: ``done`` set,
    ``infos[i]["terminal_observation"]`` holding the last observation and
    ``infos[i]["TimeLimit.truncated"]`` telling a time limit from a terminal
    state, so that PPO bootstraps the value of truncated episodes.
    """

    def __init__(self, env: VectorEnv) -> None:
        if env.metadata.get("autoreset_mode") != AutoresetMode.SAME_STEP:
            raise ValueError("GymnasiumVecEnv needs a vector env with same-step autoreset")
        self.env = env
        self.render_mode = None
        super().__init__(env.num_envs, env.single_observation_space, env.single_action_space)
        self._actions: np.ndarray | None = None

    def reset(self) -> np.ndarray:
        seed = self._seeds[0]
        observation, _ = self.env.reset(seed=seed)
        self._seeds = [None] * self.num_envs
        return observation

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = actions

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        observation, reward, terminated, truncated, info = self.env.step(self._actions)
        dones = terminated | truncated
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        for i in np.flatnonzero(dones):
            infos[i]["terminal_observation"] = info["final_obs"][i]
            infos[i]["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
        return observation, reward.astype(np.float32), dones, infos

    def close(self) -> None:
        self.env.close()

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        if attr_name == "render_mode":
            return [None] * self.num_envs
        raise AttributeError(attr_name)

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        raise AttributeError(attr_name)

    def env_method(self, method_name: str, *args: Any, indices: Any = None, **kw: Any) -> list:
        raise AttributeError(method_name)

    def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
        return [False] * self.num_envs


def make_vec_env(kind: str, n_envs: int, n_links: int) -> GymnasiumVecEnv:
    """The batched simulator ("batched") or SyncVectorEnv of single envs ("sync")."""
    if kind == "batched":
        env: VectorEnv = SwimmerVectorEnv(num_envs=n_envs, n_links=n_links)
    elif kind == "sync":
        env = gym.vector.SyncVectorEnv(
            [lambda: gym.make(SWIMMER_ID, n_links=n_links) for _ in range(n_envs)],
            autoreset_mode=AutoresetMode.SAME_STEP,
        )
    else:
        raise ValueError(f"env must be 'batched' or 'sync', got {kind!r}")
    return GymnasiumVecEnv(env)


class ControllerHead(nn.Module):
    """Puts a controller where stable-baselines3 expects the action mean network.

    With an empty policy MLP the actor's latent is the flattened observation,
    which the controller reads as it would the environment's observation.
    """

    def __init__(self, controller: Controller) -> None:
        super().__init__()
        self.controller = controller

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        return self.controller(latent)


class ControllerPolicy(ActorCriticPolicy):
    """Actor-critic policy whose actor mean is a nervecord controller.

    Args:
        controller_kind: "ncap", "mlp", ...
        controller_settings: keyword settings of the controller (n_joints included).
        critic_sizes: hidden widths of the critic MLP.
        fixed_std: keep the exploration std at exp(log_std_init).
        Remaining arguments are ActorCriticPolicy's.
    """

    def __init__(
        self,
        *args: Any,
        controller_kind: str = "ncap",
        controller_settings: dict[str, Any] | None = None,
        critic_sizes: list[int] | None = None,
        fixed_std: bool = False,
        **kwargs: Any,
    ) -> None:
        self._controller_kind = controller_kind
        self._controller_settings = dict(controller_settings or {})
        self._fixed_std = fixed_std
        kwargs["net_arch"] = {"pi": [], "vf": list(critic_sizes or [256, 256])}
        kwargs.setdefault("activation_fn", nn.Tanh)
        super().__init__(*args, **kwargs)

    def _build(self, lr_schedule: Callable[[float], float]) -> None:
        super()._build(lr_schedule)
        settings = dict(self._controller_settings)
        n_joints = settings.pop("n_joints")
        self.action_net = ControllerHead(
            make_controller(self._controller_kind, n_joints, **settings)
        )
        if self._fixed_std:
            self.log_std.requires_grad_(False)
        params = [p for p in self.parameters() if p.requires_grad]
        self.optimizer = self.optimizer_class(params, lr=lr_schedule(1), **self.optimizer_kwargs)

    @property
    def controller(self) -> Controller:
        return self.action_net.controller


def _optimizer_tensors(optimizer: torch.optim.Optimizer) -> tuple[dict, dict]:
    """Adam's state as flat tensors and JSON scalars."""
    state = optimizer.state_dict()
    tensors, scalars = {}, {"param_groups": state["param_groups"], "steps": {}}
    for index, slot in state["state"].items():
        for name, value in slot.items():
            if name == "step":
                scalars["steps"][str(index)] = float(value)
            else:
                tensors[f"optim.{index}.{name}"] = value
    return tensors, scalars


def _restore_optimizer(
    optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], scalars: dict[str, Any]
) -> None:
    state: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        if key.startswith("optim."):
            _, index, name = key.split(".", 2)
            state.setdefault(int(index), {})[name] = value
    for index, step in scalars["steps"].items():
        state.setdefault(int(index), {})["step"] = torch.tensor(step)
    optimizer.load_state_dict({"state": state, "param_groups": scalars["param_groups"]})


class _TrainingCallback(BaseCallback):
    """Evaluates, logs, checkpoints and shows progress while PPO learns."""

    def __init__(self, run: Any, total: int, progress: bool, on_metrics: Callable | None):
        super().__init__()
        self.run, self.total, self.on_metrics = run, total, on_metrics
        self.bar = tqdm(total=total, desc="ppo", unit="step", disable=not progress)
        self.next_eval = 0
        self.next_checkpoint = 0
        self.start = time.perf_counter()
        self.start_steps = 0

    def _on_training_start(self) -> None:
        self.start_steps = self.num_timesteps
        self.bar.update(min(self.num_timesteps, self.total))
        # A fresh run logs its starting return; a resumed one already logged it.
        self.next_eval = self.num_timesteps + (0 if self.num_timesteps == 0 else 1)
        self.next_checkpoint = self.num_timesteps + self.run.settings.checkpoint_every

    def _on_step(self) -> bool:
        self.bar.update(min(self.num_timesteps, self.total) - self.bar.n)
        if self.num_timesteps >= self.next_eval:
            self.run.evaluate_and_log(self.num_timesteps, self._fps())
            self.next_eval += self.run.ppo["eval_every"]
            if self.on_metrics is not None:
                self.on_metrics(self.run.last)
        if self.num_timesteps >= self.next_checkpoint:
            self.run.checkpoint(self.num_timesteps)
            self.next_checkpoint += self.run.settings.checkpoint_every
        return True

    def _fps(self) -> float:
        elapsed = time.perf_counter() - self.start
        return (self.num_timesteps - self.start_steps) / elapsed if elapsed > 0 else 0.0

    def _on_training_end(self) -> None:
        self.bar.close()


class PPORun:
    """One PPO training run on the swim task, resumable from its checkpoints."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.ppo = {**PPO_DEFAULTS, **(settings.ppo or {})}
        controller_settings = dict(settings.controller_settings or {})
        if settings.controller == "mlp" and not controller_settings:
            controller_settings = dict(SB3_MLP_SETTINGS)
        controller_settings["n_joints"] = settings.n_links - 1
        self.env = make_vec_env(self.ppo["env"], self.ppo["n_envs"], settings.n_links)
        sb3_kwargs = {
            k: v for k, v in self.ppo.items() if k not in PPO_DEFAULTS and k != "policy_kwargs"
        }
        self.model = PPO(
            ControllerPolicy,
            self.env,
            n_steps=self.ppo["n_steps"],
            seed=settings.seed,
            device=settings.device,
            verbose=0,
            policy_kwargs={
                "controller_kind": settings.controller,
                "controller_settings": controller_settings,
                "critic_sizes": self.ppo["critic_sizes"],
                "fixed_std": self.ppo["fixed_std"],
                "log_std_init": self.ppo["log_std_init"],
            },
            **sb3_kwargs,
        )
        self.resume_steps: int | None = None
        self.last: dict[str, float] = {}

    @property
    def controller(self) -> Controller:
        return self.model.policy.controller

    def restore(self) -> None:
        loaded = load_checkpoint(
            self.settings.out,
            expected_kind=self.settings.controller,
            expected_joints=self.settings.n_links - 1,
        )
        if loaded.state.get("algo") != "ppo":
            raise ValueError(f"checkpoint {loaded.path} was not written by ppo")
        policy_state = {
            k[len("policy.") :]: v for k, v in loaded.tensors.items() if k.startswith("policy.")
        }
        self.model.policy.load_state_dict(policy_state)
        _restore_optimizer(self.model.policy.optimizer, loaded.tensors, loaded.state["optimizer"])
        self.model.num_timesteps = int(loaded.state["step"])
        self.resume_steps = self.model.num_timesteps
        log.info("resumed PPO from %s at %d env steps", loaded.path, self.resume_steps)

    def evaluate_and_log(self, env_steps: int, fps: float) -> None:
        results = evaluate(
            self.controller,
            self.settings.n_links,
            episodes=self.ppo["eval_episodes"],
            seed=10_000 + self.settings.seed,
            device=self.settings.device,
        )
        self.last = {
            "env_steps": env_steps,
            "eval_return": results["mean_return"],
            "eval_std": results["std_return"],
            "exploration_std": float(self.model.policy.log_std.detach().exp().mean()),
            "train_steps_per_s": fps,
        }
        self.progress_log.append(self.last)

    def checkpoint(self, env_steps: int) -> Any:
        optim_tensors, optim_scalars = _optimizer_tensors(self.model.policy.optimizer)
        tensors = {f"policy.{k}": v for k, v in self.model.policy.state_dict().items()}
        tensors.update(optim_tensors)
        state = {
            "algo": "ppo",
            "seed": self.settings.seed,
            "ppo": {k: v for k, v in self.ppo.items()},
            "optimizer": optim_scalars,
        }
        return save_checkpoint(self.settings.out, self.controller, env_steps, state, tensors)

    def learn(self, progress: bool, on_metrics: Callable | None) -> Any:
        fields = ["env_steps", "eval_return", "eval_std", "exploration_std", "train_steps_per_s"]
        self.progress_log = ProgressLog(self.settings.out / PROGRESS, fields, self.resume_steps)
        remaining = self.settings.steps - self.model.num_timesteps
        callback = _TrainingCallback(self, self.settings.steps, progress, on_metrics)
        if remaining > 0:
            self.model.learn(
                total_timesteps=remaining, callback=callback, reset_num_timesteps=False
            )
        self.evaluate_and_log(self.model.num_timesteps, callback._fps())
        final = self.checkpoint(self.model.num_timesteps)
        self.env.close()
        return final


def train_ppo(
    settings: Any,
    resume: bool = False,
    progress: bool = True,
    callback: Callable[[dict[str, float]], None] | None = None,
) -> dict[str, Any]:
    """Train ``settings.controller`` with PPO for ``settings.steps`` env steps."""
    run = PPORun(settings)
    if resume and latest_checkpoint(settings.out) is not None:
        run.restore()
    final = run.learn(progress, callback)
    return {"checkpoint": final, "controller": run.controller, "last": run.last}
