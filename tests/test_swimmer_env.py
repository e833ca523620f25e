"""The single-world swimmer env: spec, checker, determinism, physics fidelity."""

import math

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import nervecord.envs  # noqa: F401  (registers the ids)
from nervecord.envs import SWIMMER_ID, SwimmerEnv
from nervecord.envs import swimmer_model as sm
from nervecord.envs.swimmer import linear_tolerance


@pytest.mark.parametrize("n_links", [3, 6, 11, 20])
def test_env_checker_passes(n_links):
    env = gym.make(SWIMMER_ID, n_links=n_links)
    check_env(env.unwrapped, skip_render_check=True)
    assert env.observation_space.shape == (4 * n_links,)
    assert env.action_space.shape == (n_links - 1,)


def test_registered_time_limit_is_1000_steps():
    env = gym.make(SWIMMER_ID, n_links=4)
    env.reset(seed=0)
    steps, truncated = 0, False
    while not truncated:
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        assert not terminated
        steps += 1
    assert steps == 1000


@pytest.mark.parametrize("n_links", [2, 21, 6.5, True])
def test_bad_link_count_raises(n_links):
    with pytest.raises(ValueError, match="n_links"):
        SwimmerEnv(n_links=n_links)


def test_same_seed_same_trajectory():
    def trajectory(seed):
        env = SwimmerEnv(n_links=5)
        obs, _ = env.reset(seed=seed)
        rng = np.random.default_rng(1)
        out = [obs]
        for _ in range(50):
            obs, *_ = env.step(rng.uniform(-1, 1, 4).astype(np.float32))
            out.append(obs)
        return np.stack(out)

    np.testing.assert_array_equal(trajectory(3), trajectory(3))
    assert not np.array_equal(trajectory(3), trajectory(4))


def test_initial_state_within_joint_range():
    env = SwimmerEnv(n_links=6)
    for seed in range(20):
        obs, _ = env.reset(seed=seed)
        assert np.all(np.abs(obs[:5]) <= 2 * math.pi / 6)
        assert np.all(obs[5:23] == 0.0)  # starts at rest
        assert obs[23] == 0.0  # time feature


def test_reward_terms_and_range():
    env = SwimmerEnv(n_links=6)
    env.reset(seed=0)
    for t in range(1, 30):
        obs, reward, _, _, info = env.step(np.ones(5, np.float32) * (-1) ** (t // 10))
        assert 0.0 <= reward <= 1.0
        assert reward == pytest.approx(info["reward_forward"])
        assert reward == pytest.approx(float(np.clip(info["forward_speed"] / 0.1, 0, 1)))
        assert obs[-1] == pytest.approx(0.03 * t / 30.0)  # units of 30 s


def test_linear_tolerance_by_hand():
    # bounds (0.1, inf), margin 0.1: 0 at or below 0, linear up to 1 at 0.1.
    speeds = np.array([-0.2, 0.0, 0.025, 0.05, 0.1, 0.3])
    np.testing.assert_allclose(linear_tolerance(speeds, 0.1, 0.1), [0.0, 0.0, 0.25, 0.5, 1.0, 1.0])


def test_zero_action_earns_nothing():
    env = SwimmerEnv(n_links=6)
    env.reset(seed=0)
    total = sum(env.step(np.zeros(5, np.float32))[1] for _ in range(200))
    assert total == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(
    "action, match",
    [
        (np.zeros(4, np.float32), "shape"),
        (np.array([0, np.nan, 0, 0, 0], np.float32), "joints \\[1\\]"),
        (np.array([np.inf, 0, 0, 0, 0], np.float32), "non-finite"),
    ],
)
def test_bad_actions_raise(action, match):
    env = SwimmerEnv(n_links=6)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=match):
        env.step(action)


def test_out_of_range_actions_are_clipped():
    def final_obs(scale):
        env = SwimmerEnv(n_links=4)
        env.reset(seed=0)
        for _ in range(10):
            obs, *_ = env.step(np.array([1.0, -1.0, 1.0], np.float32) * scale)
        return obs

    np.testing.assert_array_equal(final_obs(1.0), final_obs(7.0))


def test_render_rgb_array():
    env = SwimmerEnv(n_links=6, render_mode="rgb_array", width=64, height=48)
    env.reset(seed=0)
    frame = env.render()
    env.close()
    assert frame.shape == (48, 64, 3) and frame.dtype == np.uint8
    assert frame.std() > 0  # not a blank image


@pytest.mark.parametrize("n_links", [4, 6, 12])
def test_physics_matches_control_suite_swimmer(n_links):
    """Same initial state and actions give the control suite's trajectory exactly."""
    swimmer = pytest.importorskip("dm_control.suite.swimmer")
    reference = swimmer.swimmer(n_links=n_links, random=0)
    reference.reset()
    model = sm.build_model(n_links)
    env = SwimmerEnv(n_links=n_links)
    env.reset(seed=0)
    env.data.qpos[:] = reference.physics.data.qpos
    env.data.qvel[:] = reference.physics.data.qvel
    assert reference.physics.model.opt.timestep == model.opt.timestep
    rng = np.random.default_rng(0)
    for _ in range(100):
        action = rng.uniform(-1, 1, n_links - 1)
        reference.step(action)
        obs, *_ = env.step(action.astype(np.float32))
    np.testing.assert_allclose(env.data.qpos, reference.physics.data.qpos, atol=1e-6)
    np.testing.assert_allclose(
        obs[n_links - 1 : 4 * n_links - 1], reference.physics.body_velocities(), atol=1e-5
    )
