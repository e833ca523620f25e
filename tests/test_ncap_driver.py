"""The on-robot NCAP logic: input checks, safe output, stale readings, checkpoints."""

import math

import numpy as np
import pytest
import torch

from nervecord.checkpoints import save_checkpoint
from nervecord.controllers import NCAP
from nervecord.ros_nodes.ncap_driver import CommandStatus, NCAPDriver

NAMES = [f"joint_{k}" for k in range(5)]
RANGE6 = 2 * math.pi / 6


def test_waits_with_zero_torque_until_first_reading():
    torques, status = NCAPDriver().command(now=0.0)
    assert status is CommandStatus.WAITING and np.all(torques == 0)


def test_active_command_is_the_circuit_output():
    driver = NCAPDriver()
    driver.update(NAMES, [0.5 * RANGE6, -0.25 * RANGE6, 0, 0, 0], now=10.0)
    torques, status = driver.command(now=10.0)
    # Clock starts at the first reading: t = 0, dorsal oscillator on (head +1);
    # each further joint copies the normalised angle in front of it.
    assert status is CommandStatus.ACTIVE
    np.testing.assert_allclose(torques, [1.0, 0.5, -0.25, 0.0, 0.0], atol=1e-6)
    driver.update(NAMES, [0.5 * RANGE6, -0.25 * RANGE6, 0, 0, 0], now=10.9)
    assert driver.command(now=10.9)[0][0] == pytest.approx(-1.0)  # half a period later


def test_readings_matched_by_name():
    driver = NCAPDriver()
    shuffled = list(reversed(NAMES)) + ["gripper"]
    driver.update(shuffled, [0, 0, 0, 0, 0.5 * RANGE6, 9.0], now=0.0)
    np.testing.assert_allclose(driver.latest.angles, [0.5 * RANGE6, 0, 0, 0, 0])


@pytest.mark.parametrize(
    "names, positions, match",
    [
        (NAMES, [0.0, float("nan"), 0, 0, 0], "non-finite positions for joints \\['joint_1'\\]"),
        (NAMES[:4], [0.0] * 4, "lacks joints \\['joint_4'\\]"),
        (NAMES, [0.0] * 4, "5 joint names but 4 positions"),
        ([], [0.0] * 3, "expected 5 unnamed positions, got 3"),
        ([], [0.0, 0, 0, float("inf"), 0], "non-finite"),
    ],
)
def test_bad_readings_rejected_and_last_good_kept(names, positions, match):
    driver = NCAPDriver()
    driver.update(NAMES, [0.1] * 5, now=0.0)
    with pytest.raises(ValueError, match=match):
        driver.update(names, positions, now=0.1)
    np.testing.assert_allclose(driver.latest.angles, [0.1] * 5)
    assert driver.latest.stamp == 0.0


def test_stale_reading_gives_zero_torque():
    driver = NCAPDriver(stale_timeout=0.5)
    driver.update(NAMES, [0.1] * 5, now=0.0)
    assert driver.command(now=0.4)[1] is CommandStatus.ACTIVE
    torques, status = driver.command(now=0.6)
    assert status is CommandStatus.STALE and np.all(torques == 0)


def test_trained_checkpoint_runs_on_a_longer_body(tmp_path):
    trained = NCAP(5)
    with torch.no_grad():
        trained.theta_prop.fill_(0.5)
    save_checkpoint(tmp_path, trained, step=1)
    driver = NCAPDriver(n_links=8, checkpoint=str(tmp_path))
    assert driver.n_joints == 7
    driver.update([], [0.4 * 2 * math.pi / 8] + [0.0] * 6, now=0.0)
    assert driver.command(now=0.0)[0][1] == pytest.approx(0.2)  # 0.5 * 0.4


def test_bad_settings():
    with pytest.raises(ValueError, match="joint_names lists 2 joints, the body has 5"):
        NCAPDriver(joint_names=["a", "b"])
    with pytest.raises(ValueError, match="stale_timeout"):
        NCAPDriver(stale_timeout=0.0)
    with pytest.raises(FileNotFoundError):
        NCAPDriver(checkpoint="/nonexistent/checkpoint")
