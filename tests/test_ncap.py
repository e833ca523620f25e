"""NCAP: equations on hand-worked cases, parameter counts, signs, returns."""

import math

import numpy as np
import pytest
import torch

from nervecord.controllers import NCAP, MLPController, SignMode, make_controller
from nervecord.envs import BatchedSwimmer
from nervecord.evaluate import evaluate

RANGE6 = 2 * math.pi / 6  # joint range of the 6-link body


def test_initial_weights_give_square_wave_and_copied_angles():
    # Normalised angles q^ = [0.5, -0.75, 1 (clipped from 2), 0, -0.1].
    q = torch.tensor([[0.5 * RANGE6, -0.75 * RANGE6, 2.0 * RANGE6, 0.0, -0.1 * RANGE6]])
    ncap = NCAP(5)
    # t = 0: dorsal oscillator on -> head torque +1; joint i copies q^_{i-1}.
    a = ncap.act(q, torch.tensor([0.0]))
    torch.testing.assert_close(a, torch.tensor([[1.0, 0.5, -0.75, 1.0, 0.0]]))
    # Step 29 (0.87 s) is still the first half period of T = 60; step 30 is not.
    assert ncap.act(q, torch.tensor([0.87]))[0, 0] == 1.0
    assert ncap.act(q, torch.tensor([0.90]))[0, 0] == -1.0
    assert ncap.act(q, torch.tensor([1.80]))[0, 0] == 1.0  # next period


def test_hand_worked_weights():
    ncap = NCAP(3)
    with torch.no_grad():
        ncap.theta_osc.fill_(0.5)
        ncap.theta_prop.fill_(2.0)
        ncap.theta_ipsi.fill_(0.8)
        ncap.theta_contra.fill_(0.3)  # magnitude; the sign is fixed negative
    range4 = 2 * math.pi / 4
    q = torch.tensor([[0.25 * range4, 0.9 * range4, -0.2 * range4]])
    out = ncap.joint_drive(q, torch.tensor([0.0]))
    # Head: b_d = sigma(0.5 * 1) = 0.5, b_v = 0; m_d = sigma(0.8 * 0.5) = 0.4,
    #   m_v = sigma(-0.3 * 0.5) = 0 -> a_0 = 0.4.
    # Joint 1: s_d = 0.25 -> b_d = sigma(2 * 0.25) = 0.5 -> a_1 = 0.4.
    # Joint 2: s_d = 0.9 -> b_d = sigma(1.8) = 1 -> m_d = sigma(0.8) = 0.8 -> a_2 = 0.8.
    torch.testing.assert_close(out["b_dorsal"], torch.tensor([[0.5, 0.5, 1.0]]))
    torch.testing.assert_close(out["b_ventral"], torch.zeros(1, 3))
    torch.testing.assert_close(out["action"], torch.tensor([[0.4, 0.4, 0.8]]))
    # Half a period later the ventral side drives the head: a_0 = -0.4.
    assert ncap.act(q, torch.tensor([0.9]))[0, 0].item() == pytest.approx(-0.4)


def test_contralateral_inhibition_by_hand():
    """With w_contra = -0.5 (ventral driven), dorsal muscle is inhibited to 0."""
    ncap = NCAP(2, sign_mode="none")
    with torch.no_grad():
        ncap.theta_ipsi.fill_(0.6)
        ncap.theta_contra.fill_(-0.5)
    q = torch.tensor([[-0.5 * 2 * math.pi / 3, 0.0]])  # s_v = 0.5 at joint 0
    out = ncap.joint_drive(q, torch.tensor([0.9]))  # ventral oscillator phase
    # Joint 1: b_v = 0.5 -> m_v = sigma(0.6 * 0.5) = 0.3, m_d = sigma(-0.25) = 0.
    # Head: b_v = 1 -> m_v = 0.6, m_d = sigma(-0.5) = 0 -> a_0 = -0.6.
    torch.testing.assert_close(out["action"], torch.tensor([[-0.6, -0.3]]))


def test_parameter_counts():
    assert NCAP(5).n_params() == 4
    assert NCAP(13).n_params() == 4
    assert NCAP(5, shared=False).n_params() == 30  # 6N at 6 links
    assert NCAP(9, shared=False).n_params() == 54
    assert MLPController(5).n_params() == 73_477  # 24-256-256-5


def test_unshared_initialisation_equals_shared():
    q = torch.randn(7, 5)
    t = torch.rand(7) * 3
    torch.testing.assert_close(NCAP(5).act(q, t), NCAP(5, shared=False).act(q, t))


def test_batched_over_worlds_and_any_joint_count():
    for n_joints in (1, 2, 5, 19):
        ncap = NCAP(n_joints)
        obs = torch.randn(11, 4 * (n_joints + 1))
        action = ncap(obs)
        assert action.shape == (11, n_joints)
        assert torch.all(action.abs() <= 1.0)


def test_observation_shape_is_checked():
    with pytest.raises(ValueError, match="expects observations of shape"):
        NCAP(5)(torch.zeros(2, 20))


@pytest.mark.parametrize("mode", list(SignMode))
def test_sign_modes_start_equal(mode):
    q, t = torch.randn(4, 5), torch.rand(4) * 2
    torch.testing.assert_close(NCAP(5, sign_mode=mode).act(q, t), NCAP(5).act(q, t))


def test_magnitude_keeps_sign_and_gradient_where_clamp_loses_it():
    q = torch.tensor([[0.3, -0.4, 0.2, 0.1, -0.2]])
    t = torch.tensor([0.0])
    clamp = NCAP(5, sign_mode=SignMode.CLAMP)
    magnitude = NCAP(5, sign_mode=SignMode.MAGNITUDE)
    with torch.no_grad():
        clamp.theta_ipsi.fill_(-0.2)  # an update pushed it past zero: w = 0
        magnitude.theta_ipsi.fill_(-0.2)  # |-0.2| with fixed sign: w = +0.2
    assert clamp.weight("ipsi").item() == 0.0
    assert magnitude.weight("ipsi").item() == pytest.approx(0.2)
    for model in (clamp, magnitude):
        # Head dorsal muscle at t = 0: m_d = sigma(w_ipsi * 1).
        model.joint_drive(q, t)["m_dorsal"][0, 0].backward()
    assert clamp.theta_ipsi.grad.item() == 0.0  # stuck for ever
    assert magnitude.theta_ipsi.grad.item() == pytest.approx(-1.0)  # d|theta|/dtheta


def test_unconstrained_mode_lets_signs_flip():
    ncap = NCAP(5, sign_mode=SignMode.NONE)
    with torch.no_grad():
        ncap.theta_contra.fill_(0.7)
    assert ncap.weight("contra").item() == pytest.approx(0.7)


def test_with_joints_transfers_shared_weights():
    ncap = NCAP(5)
    with torch.no_grad():
        ncap.theta_prop.fill_(1.3)
    longer = ncap.with_joints(9)
    assert longer.n_joints == 9 and longer.weight("prop").item() == pytest.approx(1.3)
    with pytest.raises(ValueError, match="shared=True"):
        NCAP(5, shared=False).with_joints(9)


def test_oscillator_period_setting():
    ncap = NCAP(3, oscillator_period=10)
    times = torch.arange(20) * 0.03
    dorsal, ventral = ncap.oscillator(times)
    expected = torch.tensor([1.0] * 5 + [0.0] * 5 + [1.0] * 5 + [0.0] * 5)
    torch.testing.assert_close(dorsal, expected)
    torch.testing.assert_close(ventral, 1 - expected)


def test_make_controller_rejects_unknown():
    with pytest.raises(ValueError, match="unknown controller"):
        make_controller("lstm", 5)


def test_untrained_ncap_swims_6_links():
    """Untrained NCAP: mean return >= 750 on the 6-link swim task (published ~800)."""
    results = evaluate(NCAP(5), 6, episodes=4, seed=0)
    assert results["mean_return"] >= 750
    assert results["n_params"] == 4
    again = evaluate(NCAP(5), 6, episodes=4, seed=0)
    assert again["returns"] == results["returns"]  # deterministic


def test_untrained_mlp_and_zero_policy_do_not_swim():
    sim = BatchedSwimmer(6, 2, seed=0, device="cpu", episode_steps=200)
    sim.reset()
    total = torch.zeros(2)
    for _ in range(200):
        total += sim.step(torch.zeros(2, 5)).reward
    assert np.allclose(total.numpy(), 0.0)


def test_random_initialisation_shares_one_draw_across_sign_modes():
    clamp = NCAP(5, sign_mode="clamp", init="random", seed=3)
    free = NCAP(5, sign_mode="none", init="random", seed=3)
    magnitude = NCAP(5, sign_mode="magnitude", init="random", seed=3)
    for name in ("osc", "prop", "ipsi", "contra"):
        theta = getattr(free, f"theta_{name}")
        torch.testing.assert_close(getattr(clamp, f"theta_{name}"), theta)
        # Each mode maps the same raw draw through its own constraint.
        sign = 1.0 if name != "contra" else -1.0
        torch.testing.assert_close(free.weight(name), theta)
        torch.testing.assert_close(magnitude.weight(name), sign * theta.abs())
        clamped = theta.clamp(min=0) if sign > 0 else theta.clamp(max=0)
        torch.testing.assert_close(clamp.weight(name), clamped)
    assert not torch.equal(NCAP(5, init="random", seed=4).theta_prop, free.theta_prop)
    with pytest.raises(ValueError, match="init must be"):
        NCAP(5, init="xavier")


# Untrained NCAP returns measured on the control suite's swimmer (REFERENCE.md, section 2).
REFERENCE_RETURNS = {
    4: (333, 348),
    8: (896, 909),
    10: (899, 915),
    12: (903, 906),
    14: (913, 918),
}


@pytest.mark.parametrize("n_links", sorted(REFERENCE_RETURNS))
def test_untrained_ncap_follows_reference_returns_across_bodies(n_links):
    low, high = REFERENCE_RETURNS[n_links]
    result = evaluate(NCAP(n_links - 1), n_links, episodes=2, seed=0)["mean_return"]
    assert 0.9 * low <= result <= 1.1 * high, (n_links, result)
