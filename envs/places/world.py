"""A place-recognition benchmark rendered in MuJoCo: ``places-v1``.

A camera drives along a straight road lined with walls of coloured panels and
landmarks (boxes, pillars, spheres, capsules). Place ``i`` is the camera pose
``x = i * place_spacing`` metres along the road. A *traversal* renders every
place (or every ``stride``-th) under one :class:`Appearance`: lighting
direction, strength and tint, sky, ground texture, landmark colours, fog,
movable clutter and small pose jitter differ between traversals, while the
landmarks stay put.

Specification
-------------
==============  =========================================================
observation     RGB image, ``(height, width, 3)`` uint8, from a 70 deg
                camera 1.4 m above the road looking along it
ground truth    ``place_id``, int in ``[0, places)``
traversals      ``reference`` (one or more conditions), ``calibration``
                (every ``calibration_stride``-th place), ``query``
determinism     the landmark layout depends on ``seed`` only; each
                traversal's clutter and jitter on ``seed`` and its name
==============  =========================================================

Only the landmarks within ``view_distance`` of the camera are placed in the
scene, taken from fixed pools of geoms, so a route of any length renders at
the same speed. Scene coordinates are relative to the camera, which keeps
float precision on long routes.

Version history: v1, first release.
"""

from __future__ import annotations

import colorsys
import enum
import hashlib
import math
from dataclasses import dataclass

import mujoco
import numpy as np

from nervecord.envs.places.appearance import Appearance

WORLD_VERSION = 1
PLACE_SPACING = 4.0  # m between consecutive places
CAMERA_HEIGHT = 1.4  # m
VIEW_DISTANCE = 45.0  # m ahead of the camera that landmarks are placed
BEHIND = 4.0  # m behind the camera that landmarks are still placed
WALL_OFFSET = 11.0  # m from the road centre
PANEL_LENGTH = 5.0  # m
GROUND_PERIOD = 4.0  # m after which the ground texture repeats


class Shape(enum.IntEnum):
    """Landmark shapes, each with its own pool of MuJoCo geoms."""

    BOX = 0
    CYLINDER = 1
    SPHERE = 2
    CAPSULE = 3


_GEOM_TYPE = {
    Shape.BOX: "box",
    Shape.CYLINDER: "cylinder",
    Shape.SPHERE: "sphere",
    Shape.CAPSULE: "capsule",
}
POOL_SIZE = 40  # geoms per shape; farther landmarks are dropped beyond this
PANEL_POOL = 2 * int((VIEW_DISTANCE + BEHIND) / PANEL_LENGTH + 2)
CLUTTER_POOL = 24


@dataclass(frozen=True)
class Landmarks:
    """Static objects along the route, one row each (world frame, metres).

    Attributes:
        x: ``(k,)`` position along the road, sorted.
        y: ``(k,)`` sideways position (negative: right of the road).
        shape: ``(k,)`` :class:`Shape` values.
        half_size: ``(k, 3)`` half extents (MuJoCo ``size`` for the shape).
        rgb: ``(k, 3)`` base colour.
    """

    x: np.ndarray
    y: np.ndarray
    shape: np.ndarray
    half_size: np.ndarray
    rgb: np.ndarray


def _random_colours(rng: np.random.Generator, count: int) -> np.ndarray:
    """Saturated colours, uniform in hue: ``(count, 3)``."""
    hsv = np.stack(
        [rng.uniform(0, 1, count), rng.uniform(0.35, 0.95, count), rng.uniform(0.35, 1.0, count)],
        axis=1,
    )
    return np.array([colorsys.hsv_to_rgb(*row) for row in hsv])


def layout_landmarks(seed: int, length: float) -> Landmarks:
    """Landmarks every 1.5-4.5 m on alternating random sides of a road of ``length`` m."""
    rng = np.random.default_rng([seed, 1])
    count = int(length / 3.0) + 32
    x = np.cumsum(rng.uniform(1.5, 4.5, count)) - 2 * VIEW_DISTANCE * 0
    x = x - BEHIND - 2.0
    side = rng.choice([-1.0, 1.0], count)
    y = side * rng.uniform(3.0, 9.0, count)
    shape = rng.integers(0, len(Shape), count)
    half = np.stack(
        [rng.uniform(0.2, 1.2, count), rng.uniform(0.2, 1.2, count), rng.uniform(0.3, 3.5, count)],
        axis=1,
    )
    return Landmarks(x=x, y=y, shape=shape, half_size=half, rgb=_random_colours(rng, count))


def panel_colours(seed: int, panels: int) -> tuple[np.ndarray, np.ndarray]:
    """Colours ``(panels, 2, 3)`` and heights ``(panels, 2)`` of the wall panels, both sides."""
    rng = np.random.default_rng([seed, 2])
    colours = _random_colours(rng, 2 * panels).reshape(panels, 2, 3) * 0.8 + 0.1
    heights = rng.uniform(1.0, 6.0, (panels, 2))
    return colours, heights


def _vec(values) -> str:
    return " ".join(f"{float(v):.4g}" for v in values)


def build_model(look: Appearance, width: int, height: int) -> mujoco.MjModel:
    """The MuJoCo model of one appearance: lights, sky, ground and geom pools."""
    az, el = math.radians(look.light_azimuth), math.radians(look.light_elevation)
    light_dir = (math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), -math.sin(el))
    diffuse = [look.light_strength * c for c in look.light_tint]
    fog = ""
    if look.fog_end > look.fog_start > 0:
        fog = f'fogstart="{look.fog_start}" fogend="{look.fog_end}"'
    (g1, g2) = look.ground_colours
    pools = []
    for shape in Shape:
        for k in range(POOL_SIZE):
            pools.append(
                f'<geom name="{shape.name.lower()}{k}" type="{_GEOM_TYPE[shape]}" '
                f'size=".5 .5 .5" pos="0 0 -50" contype="0" conaffinity="0"/>'
            )
    for k in range(PANEL_POOL):
        pools.append(
            f'<geom name="panel{k}" type="box" size=".5 .1 .5" pos="0 0 -50" '
            f'contype="0" conaffinity="0"/>'
        )
    for k in range(CLUTTER_POOL):
        pools.append(
            f'<geom name="clutter{k}" type="box" size=".3 .3 .3" pos="0 0 -50" '
            f'contype="0" conaffinity="0"/>'
        )
    xml = f"""
<mujoco model="places-v{WORLD_VERSION}">
  <visual>
    <global offwidth="{width}" offheight="{height}"/>
    <quality shadowsize="0" offsamples="0"/>
    <map znear="0.05" zfar="{VIEW_DISTANCE + 60}" {fog}/>
    <rgba fog="{_vec(look.fog_colour)} 1"/>
    <headlight ambient="{_vec([look.ambient] * 3)}" diffuse="0.1 0.1 0.1" specular="0 0 0"/>
  </visual>
  <asset>
    <texture name="sky" type="skybox" builtin="gradient" rgb1="{_vec(look.sky_top)}"
             rgb2="{_vec(look.sky_horizon)}" width="64" height="64"/>
    <texture name="ground" type="2d" builtin="{look.ground_texture}" rgb1="{_vec(g1)}"
             rgb2="{_vec(g2)}" width="64" height="64"/>
    <material name="ground" texture="ground" texuniform="true"
              texrepeat="{2.0 / GROUND_PERIOD} {2.0 / GROUND_PERIOD}" reflectance="0"/>
  </asset>
  <worldbody>
    <light directional="true" castshadow="false" dir="{_vec(light_dir)}"
           diffuse="{_vec(diffuse)}" specular="0 0 0"/>
    <geom name="ground" type="plane" size="120 120 0.1" material="ground"
          contype="0" conaffinity="0"/>
    <body name="rig" mocap="true" pos="0 0 {CAMERA_HEIGHT}">
      <camera name="eye" fovy="70" xyaxes="0 -1 0 0 0 1"/>
    </body>
    {"".join(pools)}
  </worldbody>
</mujoco>
"""
    return mujoco.MjModel.from_xml_string(xml)


def shade(rgb: np.ndarray, look: Appearance, rng: np.random.Generator) -> np.ndarray:
    """Apply a traversal's colour change to ``(k, 3)`` colours."""
    hsv = np.array([colorsys.rgb_to_hsv(*row) for row in rgb]).reshape(-1, 3)
    hsv[:, 0] = (hsv[:, 0] + look.hue_shift) % 1.0
    hsv[:, 1] = np.clip(hsv[:, 1] * look.saturation, 0, 1)
    hsv[:, 2] = np.clip(hsv[:, 2] * look.brightness, 0, 1)
    out = np.array([colorsys.hsv_to_rgb(*row) for row in hsv]).reshape(-1, 3)
    if look.colour_jitter > 0:
        out = out + rng.normal(0.0, look.colour_jitter, out.shape)
    return np.clip(out, 0.0, 1.0)


def traversal_key(seed: int, name: str) -> list[int]:
    """Seed sequence of a traversal's own random generator."""
    return [seed, 3, int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")]
