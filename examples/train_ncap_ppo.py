"""Train the NCAP swimmer circuit with stable-baselines3 PPO.

The actor is NCAP (4 weights): its output is the mean of the Gaussian policy;
the critic is a 256x256 MLP on the full observation. Eight swimmers are
simulated as one batched world, seen by PPO through gymnasium's vector API.

    python examples/train_ncap_ppo.py --steps 100000
"""

import argparse

import gymnasium as gym
from stable_baselines3 import PPO

import nervecord.envs  # noqa: F401  (registers nervecord/Swimmer-v0)
from nervecord.evaluate import evaluate
from nervecord.training.ppo import ControllerPolicy, GymnasiumVecEnv

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=100_000)
parser.add_argument("--links", type=int, default=6)
args = parser.parse_args()

envs = gym.make_vec(
    "nervecord/Swimmer-v0",
    num_envs=8,
    vectorization_mode="vector_entry_point",
    n_links=args.links,
)
model = PPO(
    ControllerPolicy,
    GymnasiumVecEnv(envs),
    n_steps=512,
    seed=0,
    policy_kwargs={
        "controller_kind": "ncap",
        "controller_settings": {"n_joints": args.links - 1},
    },
)
ncap = model.policy.controller
print("before:", evaluate(ncap, args.links, episodes=3)["mean_return"])
model.learn(total_timesteps=args.steps, progress_bar=False)
print("after: ", evaluate(ncap, args.links, episodes=3)["mean_return"])
print(
    "weights:",
    {name: float(ncap.weight(name).detach()) for name in ("osc", "prop", "ipsi", "contra")},
)
