"""ROS 2 node: the NCAP swimmer circuit driving a robot's joints.

Subscribes:
    ``joint_states`` (sensor_msgs/JointState): hinge angles (rad), head first,
    matched by name against ``joint_names`` (or by position if unnamed).
Publishes:
    ``joint_commands`` (std_msgs/Float64MultiArray): one torque command in
    [-1, 1] per joint, at ``control_rate_hz``.

Parameters (see config/swimmer_ncap.yaml): ``n_links``, ``joint_names``,
``checkpoint`` (a nervecord checkpoint of a shared-weight NCAP; empty for the
untrained circuit), ``oscillator_period`` (control steps), ``control_rate_hz``,
``stale_timeout_s``. ``use_sim_time`` makes the circuit follow /clock.

A bad joint state (NaN, missing joints, wrong size) is rejected with a
throttled warning and never crashes the node; without a valid reading newer
than ``stale_timeout_s`` the node publishes zero torque, the safe output.
"""

from __future__ import annotations

import sys

from rclpy.node import Node
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import JointState
from std_msgs.msg import Float64MultiArray

from nervecord.ros_nodes.ncap_driver import CommandStatus, NCAPDriver
from nervecord.ros_nodes.runtime import run_node

# Parameter -> default; the launch file's YAML sets these.
PARAMETERS = {
    "n_links": 6,
    "joint_names": [""],
    "checkpoint": "",
    "oscillator_period": 60,
    "control_rate_hz": 1.0 / 0.03,
    "stale_timeout_s": 0.5,
}
LOG_THROTTLE_S = 2.0


class NCAPControllerNode(Node):
    """Runs :class:`NCAPDriver` on a timer between joint states and joint commands."""

    def __init__(self) -> None:
        super().__init__("ncap_controller")
        for name, default in PARAMETERS.items():
            self.declare_parameter(name, default)
        value = self._parameter
        rate = float(value("control_rate_hz"))
        if rate <= 0:
            raise ValueError(f"control_rate_hz must be positive, got {rate}")
        names = [n for n in value("joint_names") if n]
        self.driver = NCAPDriver(
            n_links=int(value("n_links")),
            joint_names=names or None,
            checkpoint=value("checkpoint") or None,
            oscillator_period=int(value("oscillator_period")),
            control_timestep=1.0 / rate,
            stale_timeout=float(value("stale_timeout_s")),
        )
        self.status = CommandStatus.WAITING
        self.publisher = self.create_publisher(Float64MultiArray, "joint_commands", 10)
        self.create_subscription(
            JointState, "joint_states", self._on_joint_state, qos_profile_sensor_data
        )
        self.create_timer(1.0 / rate, self._on_timer)
        self.get_logger().info(
            f"NCAP on {self.driver.n_joints} joints {self.driver.joint_names} at {rate:.1f} Hz"
        )

    def _parameter(self, name: str):
        return self.get_parameter(name).value

    def _now(self) -> float:
        return self.get_clock().now().nanoseconds * 1e-9

    def _on_joint_state(self, msg: JointState) -> None:
        try:
            self.driver.update(list(msg.name), list(msg.position), self._now())
        except ValueError as error:
            self.get_logger().warning(
                f"rejected joint state: {error}", throttle_duration_sec=LOG_THROTTLE_S
            )

    def _on_timer(self) -> None:
        torques, status = self.driver.command(self._now())
        if status is not self.status:
            change = f"command status {self.status.value} -> {status.value}"
            if status is CommandStatus.ACTIVE:
                self.get_logger().info(change)
            else:
                self.get_logger().warning(change + ": holding zero torque")
            self.status = status
        self.publisher.publish(Float64MultiArray(data=[float(t) for t in torques]))


def main(args: list[str] | None = None) -> int:
    return run_node(NCAPControllerNode, args)


if __name__ == "__main__":
    sys.exit(main())
