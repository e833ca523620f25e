"""ROS 2 node: the simulated swimmer, standing in for a robot.

Steps :class:`~nervecord.envs.SwimmerEnv` at its control rate (0.03 s of
simulated time per tick) and speaks the interface a robot's driver would.

Subscribes:
    ``joint_commands`` (std_msgs/Float64MultiArray): torques in [-1, 1].
Publishes:
    ``joint_states`` (sensor_msgs/JointState): hinge angles (rad) and velocities.
    ``forward_speed`` (std_msgs/Float64): the head's forward speed (m/s).
    ``episode_return`` (std_msgs/Float64): reward summed since the start.

Parameters: ``n_links``, ``seed``, ``real_time_factor`` (simulated seconds per
wall second), ``command_timeout_s``. A command of the wrong size or with
non-finite values is rejected with a throttled warning; without a valid
command newer than ``command_timeout_s`` the motors get zero torque.
"""

from __future__ import annotations

import sys

import numpy as np
from rclpy.node import Node
from sensor_msgs.msg import JointState
from std_msgs.msg import Float64, Float64MultiArray

from nervecord.envs import SwimmerEnv
from nervecord.envs import swimmer_model as sm
from nervecord.ros_nodes.runtime import run_node

PARAMETERS = {"n_links": 6, "seed": 0, "real_time_factor": 1.0, "command_timeout_s": 0.5}
LOG_THROTTLE_S = 2.0


class SwimmerSimNode(Node):
    """A swimmer in MuJoCo behind joint-state and joint-command topics."""

    def __init__(self) -> None:
        super().__init__("swimmer_sim")
        for name, default in PARAMETERS.items():
            self.declare_parameter(name, default)
        n_links = int(self.get_parameter("n_links").value)
        factor = float(self.get_parameter("real_time_factor").value)
        if factor <= 0:
            raise ValueError(f"real_time_factor must be positive, got {factor}")
        self.command_timeout = float(self.get_parameter("command_timeout_s").value)
        self.env = SwimmerEnv(n_links=n_links)
        self.observation, _ = self.env.reset(seed=int(self.get_parameter("seed").value))
        self.joint_names = [f"joint_{k}" for k in range(n_links - 1)]
        self.command = np.zeros(n_links - 1)
        self.command_time: float | None = None
        self.episode_return = 0.0
        self.joint_publisher = self.create_publisher(JointState, "joint_states", 10)
        self.speed_publisher = self.create_publisher(Float64, "forward_speed", 10)
        self.return_publisher = self.create_publisher(Float64, "episode_return", 10)
        self.create_subscription(Float64MultiArray, "joint_commands", self._on_command, 10)
        self.create_timer(sm.CONTROL_TIMESTEP / factor, self._on_timer)
        self._publish_joints()

    def _now(self) -> float:
        return self.get_clock().now().nanoseconds * 1e-9

    def _on_command(self, msg: Float64MultiArray) -> None:
        command = np.asarray(msg.data, dtype=np.float64)
        if command.shape != self.command.shape or not np.all(np.isfinite(command)):
            self.get_logger().warning(
                f"rejected command {command.tolist()}: expected {self.command.size} finite values",
                throttle_duration_sec=LOG_THROTTLE_S,
            )
            return
        self.command = command
        self.command_time = self._now()

    def _publish_joints(self) -> None:
        n_joints = len(self.joint_names)
        msg = JointState()
        msg.header.stamp = self.get_clock().now().to_msg()
        msg.name = self.joint_names
        msg.position = [float(q) for q in self.observation[:n_joints]]
        msg.velocity = [float(v) for v in self.env.data.qvel[sm.N_ROOT_DOFS :]]
        self.joint_publisher.publish(msg)

    def _on_timer(self) -> None:
        fresh = self.command_time is not None and (
            self._now() - self.command_time <= self.command_timeout
        )
        action = self.command if fresh else np.zeros_like(self.command)
        self.observation, reward, _, _, info = self.env.step(action.astype(np.float32))
        self.episode_return += reward
        self._publish_joints()
        self.speed_publisher.publish(Float64(data=info["forward_speed"]))
        self.return_publisher.publish(Float64(data=self.episode_return))


def main(args: list[str] | None = None) -> int:
    return run_node(SwimmerSimNode, args)


if __name__ == "__main__":
    sys.exit(main())
