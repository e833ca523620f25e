"""ROS 2 nodes: the NCAP controller for a robot's joints and a simulated swimmer.

``ncap_driver`` holds the controller's logic without ROS; the node modules
import rclpy, which the ``[ros]`` extra or the robot's ROS install provides.
"""
