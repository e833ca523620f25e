"""Running one nervecord node as a process: init, spin, clean shutdown."""

from __future__ import annotations

import sys
from collections.abc import Callable

import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node


def run_node(make_node: Callable[[], Node], args: list[str] | None = None) -> int:
    """Spin the node ``make_node()`` builds until Ctrl-C or shutdown; returns the exit code."""
    rclpy.init(args=args if args is not None else sys.argv)
    node = None
    try:
        node = make_node()
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        if node is not None:
            node.destroy_node()
        rclpy.try_shutdown()
    return 0
