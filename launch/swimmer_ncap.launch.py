"""Launch the NCAP controller with the simulated swimmer it drives.

ros2 launch nervecord swimmer_ncap.launch.py [params:=/path/to/params.yaml]
"""

import os

from ament_index_python.packages import get_package_share_directory
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

from launch import LaunchDescription


def generate_launch_description():
    default_params = os.path.join(
        get_package_share_directory("nervecord"), "config", "swimmer_ncap.yaml"
    )
    params = LaunchConfiguration("params")
    return LaunchDescription(
        [
            DeclareLaunchArgument(
                "params", default_value=default_params, description="parameter YAML of both nodes"
            ),
            Node(
                package="nervecord",
                executable="swimmer_sim",
                name="swimmer_sim",
                parameters=[params],
                output="screen",
            ),
            Node(
                package="nervecord",
                executable="ncap_controller",
                name="ncap_controller",
                parameters=[params],
                output="screen",
            ),
        ]
    )
