"""The batched simulator: shapes, seeding, reset semantics, bad actions, views."""

import gymnasium as gym
import numpy as np
import pytest
import torch

from nervecord.envs import SWIMMER_ID, BatchedSwimmer, SwimmerEnv
from nervecord.envs.vector import SwimmerVectorEnv


def test_shapes_and_dtypes():
    sim = BatchedSwimmer(6, 5, seed=0, device="cpu")
    obs = sim.reset()
    assert obs.shape == (5, 24) and obs.dtype == torch.float32
    result = sim.step(torch.zeros(5, 5))
    assert result.observation.shape == (5, 24)
    assert result.reward.shape == result.terminated.shape == result.truncated.shape == (5,)
    assert result.truncated.dtype == torch.bool
    assert set(result.info) >= {"forward_speed", "reward_forward", "final_observation"}


def test_matches_single_world_env():
    """World i of the batch follows the same physics as the single env."""
    rng = np.random.default_rng(0)
    actions = rng.uniform(-1, 1, (40, 3, 4)).astype(np.float32)
    sim = BatchedSwimmer(5, 3, seed=11, device="cpu")
    obs = sim.reset()
    env = SwimmerEnv(n_links=5)
    env.reset(seed=0)
    env.data.qpos[:] = sim.physics.qpos[1]
    batch_rewards, env_rewards = [], []
    for a in actions:
        result = sim.step(torch.as_tensor(a))
        env_obs, env_reward, *_ = env.step(a[1])
        batch_rewards.append(result.reward[1].item())
        env_rewards.append(env_reward)
    np.testing.assert_allclose(result.observation[1].numpy(), env_obs, atol=1e-5)
    np.testing.assert_allclose(batch_rewards, env_rewards, atol=1e-6)
    assert obs.shape == (3, 20)


def test_world_trajectory_independent_of_batch_size():
    def first_world(num_worlds):
        sim = BatchedSwimmer(4, num_worlds, seed=7, device="cpu")
        sim.reset()
        for _ in range(20):
            obs = sim.step(torch.full((num_worlds, 3), 0.5)).observation
        return obs[0]

    torch.testing.assert_close(first_world(1), first_world(6))


def test_seeding_is_deterministic_and_per_world():
    a = BatchedSwimmer(6, 4, seed=3, device="cpu").reset()
    b = BatchedSwimmer(6, 4, seed=3, device="cpu").reset()
    c = BatchedSwimmer(6, 4, seed=4, device="cpu").reset()
    torch.testing.assert_close(a, b)
    assert not torch.equal(a, c)
    assert not torch.equal(a[0, :5], a[1, :5])  # worlds draw different poses


def test_reset_subset_leaves_others():
    sim = BatchedSwimmer(4, 3, seed=0, device="cpu")
    sim.reset()
    for _ in range(5):
        sim.step(torch.ones(3, 3))
    before = sim.physics.qpos.copy()
    obs = sim.reset(ids=[1])
    np.testing.assert_array_equal(sim.physics.qpos[[0, 2]], before[[0, 2]])
    assert obs[1, -1] == 0.0 and obs[0, -1] > 0.0
    with pytest.raises(ValueError, match="world ids"):
        sim.reset(ids=[3])


def test_autoreset_same_step():
    sim = BatchedSwimmer(4, 2, seed=0, device="cpu", episode_steps=5)
    sim.reset()
    for step in range(1, 6):
        result = sim.step(torch.ones(2, 3))
        assert bool(result.truncated.all()) == (step == 5)
    # The returned observation starts the next episode; the final one is in info.
    assert torch.all(result.observation[:, -1] == 0.0)
    torch.testing.assert_close(
        result.info["final_observation"][:, -1], torch.full((2,), 0.005), atol=1e-6, rtol=0
    )
    assert not sim.step(torch.ones(2, 3)).truncated.any()


def test_without_autoreset_finished_worlds_must_be_reset():
    sim = BatchedSwimmer(4, 2, seed=0, device="cpu", episode_steps=2, autoreset=False)
    sim.reset()
    sim.step(torch.zeros(2, 3))
    assert sim.step(torch.zeros(2, 3)).truncated.all()
    with pytest.raises(RuntimeError, match="reset"):
        sim.step(torch.zeros(2, 3))
    sim.reset(ids=[0, 1])
    sim.step(torch.zeros(2, 3))


def test_step_before_reset_raises():
    with pytest.raises(RuntimeError, match="reset"):
        BatchedSwimmer(4, 2, device="cpu").step(torch.zeros(2, 3))


@pytest.mark.parametrize(
    "action, match",
    [
        (torch.zeros(3, 3), "shape"),
        (torch.zeros(4, 4), "shape"),
        (torch.tensor([[0.0, 0, 0], [0, float("nan"), 0], [0, 0, 0], [0, 0, 0]]), "world 1"),
        (torch.tensor([[0.0, 0, 0], [0, 0, 0], [0, 0, 0], [float("inf"), 0, 0]]), "world 3"),
    ],
)
def test_bad_actions_name_the_world(action, match):
    sim = BatchedSwimmer(4, 4, seed=0, device="cpu")
    sim.reset()
    with pytest.raises(ValueError, match=match):
        sim.step(action)


def test_actions_are_clipped():
    def after(scale):
        sim = BatchedSwimmer(4, 2, seed=0, device="cpu")
        sim.reset()
        for _ in range(5):
            obs = sim.step(torch.ones(2, 3) * scale).observation
        return obs

    torch.testing.assert_close(after(1.0), after(9.0))


def test_numpy_actions_accepted():
    sim = BatchedSwimmer(4, 2, seed=0, device="cpu")
    sim.reset()
    assert sim.step(np.zeros((2, 3))).observation.shape == (2, 16)


def test_vector_env_view():
    envs = SwimmerVectorEnv(num_envs=3, n_links=5, episode_steps=4)
    obs, _ = envs.reset(seed=0)
    assert obs.shape == (3, 20) and envs.single_action_space.shape == (4,)
    for _ in range(4):
        obs, reward, terminated, truncated, info = envs.step(envs.action_space.sample())
    assert truncated.all() and not terminated.any()
    assert info["final_obs"].shape == (3, 20) and info["_final_obs"].all()
    assert reward.shape == (3,)
    envs.close()


def test_make_vec_builds_the_batched_simulator():
    envs = gym.make_vec(SWIMMER_ID, num_envs=4, vectorization_mode="vector_entry_point", n_links=6)
    assert isinstance(envs.unwrapped, SwimmerVectorEnv)
    obs, _ = envs.reset(seed=1)
    assert obs.shape == (4, 24)
    envs.close()


def test_unknown_backend_raises():
    with pytest.raises(ValueError, match="backend"):
        BatchedSwimmer(4, 2, backend="warp")


def test_first_world_reproduces_a_slice_of_a_larger_batch():
    whole = BatchedSwimmer(4, 6, seed=5, device="cpu").reset()
    tail = BatchedSwimmer(4, 2, seed=5, device="cpu", first_world=4).reset()
    torch.testing.assert_close(whole[4:], tail)
