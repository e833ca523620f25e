"""Install nervecord as one import namespace from the repository's layer folders.

The code folders at the repository root (controllers/, envs/, ros_nodes/) are the
layout a ROS 2 package is browsed in; ``package_dir`` maps them onto
``nervecord.controllers``, ``nervecord.envs`` and ``nervecord.ros_nodes`` so that
``pip install -e .`` and ``colcon build`` both give the same imports.
"""

import glob

from setuptools import setup

PACKAGE = "nervecord"

# Each layer folder and its sub-packages, mapped into the nervecord namespace.
LAYERS = {
    "controllers": ["controllers", "controllers/vpr"],
    "envs": ["envs", "envs/places"],
    "ros_nodes": ["ros_nodes"],
}


def _packages():
    packages = ["nervecord", "nervecord.training", "nervecord.vpr"]
    package_dir = {
        "nervecord": "nervecord",
        "nervecord.training": "nervecord/training",
        "nervecord.vpr": "nervecord/vpr",
    }
    for folders in LAYERS.values():
        for folder in folders:
            name = f"{PACKAGE}." + folder.replace("/", ".")
            packages.append(name)
            package_dir[name] = folder
    return packages, package_dir


packages, package_dir = _packages()

setup(
    name=PACKAGE,
    packages=packages,
    package_dir=package_dir,
    package_data={"nervecord": ["py.typed"], "nervecord.envs": ["assets/*"]},
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/nervecord"]),
        (f"share/{PACKAGE}", ["package.xml"]),
        (f"share/{PACKAGE}/launch", glob.glob("launch/*.py") + glob.glob("launch/*.xml")),
        (f"share/{PACKAGE}/config", glob.glob("config/*.yaml")),
    ],
)
