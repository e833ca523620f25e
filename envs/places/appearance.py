"""Appearance conditions of a traversal: lighting, colours, textures, clutter, pose."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Appearance:
    """How one traversal of the route looks.

    Attributes:
        light_azimuth: compass direction the sun shines towards (deg).
        light_elevation: angle of the sunlight below the horizon (deg).
        light_strength: diffuse intensity of the sun (0-1).
        light_tint: RGB colour of the sunlight.
        ambient: ambient light intensity (0-1).
        sky_top: RGB colour of the sky at the zenith.
        sky_horizon: RGB colour of the sky at the horizon.
        ground_colours: the two RGB colours of the ground checker texture.
        ground_texture: MuJoCo builtin of the ground texture ("checker" or "gradient").
        hue_shift: rotation of every landmark's hue (fraction of a turn).
        saturation: multiplier of landmark colour saturation.
        brightness: multiplier of landmark colour value.
        colour_jitter: standard deviation of a per-landmark random colour change.
        fog_start: distance where fog begins (m); ``0`` for no fog.
        fog_end: distance where fog is opaque (m).
        fog_colour: RGB colour of the fog.
        clutter_per_place: mean number of movable objects near each place.
        lateral_jitter: standard deviation of the camera's sideways offset (m).
        along_jitter: standard deviation of the camera's offset along the route (m).
        yaw_jitter: standard deviation of the camera's heading (deg).
    """

    light_azimuth: float = 30.0
    light_elevation: float = 60.0
    light_strength: float = 0.7
    light_tint: tuple[float, float, float] = (1.0, 1.0, 1.0)
    ambient: float = 0.3
    sky_top: tuple[float, float, float] = (0.35, 0.55, 0.9)
    sky_horizon: tuple[float, float, float] = (0.8, 0.88, 1.0)
    ground_colours: tuple[tuple[float, float, float], tuple[float, float, float]] = (
        (0.42, 0.42, 0.4),
        (0.36, 0.36, 0.34),
    )
    ground_texture: str = "checker"
    hue_shift: float = 0.0
    saturation: float = 1.0
    brightness: float = 1.0
    colour_jitter: float = 0.0
    fog_start: float = 0.0
    fog_end: float = 0.0
    fog_colour: tuple[float, float, float] = (0.7, 0.7, 0.7)
    clutter_per_place: float = 0.5
    lateral_jitter: float = 0.1
    along_jitter: float = 0.1
    yaw_jitter: float = 1.0

    def to_dict(self) -> dict:
        """JSON-ready dictionary (tuples become lists)."""
        return dataclasses.asdict(self)


# Named conditions: a sunny reference, an overcast calibration and a dusk query.
APPEARANCES: dict[str, Appearance] = {
    "day": Appearance(),
    "overcast": Appearance(
        light_azimuth=90.0,
        light_elevation=80.0,
        light_strength=0.45,
        ambient=0.45,
        sky_top=(0.62, 0.64, 0.68),
        sky_horizon=(0.78, 0.79, 0.8),
        ground_colours=((0.34, 0.35, 0.33), (0.3, 0.31, 0.29)),
        hue_shift=0.03,
        saturation=0.7,
        brightness=0.9,
        colour_jitter=0.04,
        fog_start=25.0,
        fog_end=70.0,
        fog_colour=(0.75, 0.76, 0.78),
        clutter_per_place=0.8,
        lateral_jitter=0.25,
        along_jitter=0.25,
        yaw_jitter=2.0,
    ),
    "dusk": Appearance(
        light_azimuth=200.0,
        light_elevation=15.0,
        light_strength=0.55,
        light_tint=(1.0, 0.72, 0.5),
        ambient=0.2,
        sky_top=(0.2, 0.18, 0.38),
        sky_horizon=(0.95, 0.55, 0.35),
        ground_colours=((0.3, 0.26, 0.24), (0.24, 0.21, 0.2)),
        ground_texture="gradient",
        hue_shift=-0.05,
        saturation=0.8,
        brightness=0.75,
        colour_jitter=0.06,
        fog_start=15.0,
        fog_end=55.0,
        fog_colour=(0.55, 0.4, 0.38),
        clutter_per_place=1.0,
        lateral_jitter=0.3,
        along_jitter=0.3,
        yaw_jitter=2.5,
    ),
}


def appearance(name: str) -> Appearance:
    """Look up a named condition.

    Raises:
        ValueError: naming the unknown condition and the known ones.
    """
    try:
        return APPEARANCES[name]
    except KeyError:
        known = ", ".join(sorted(APPEARANCES))
        raise ValueError(f"unknown appearance {name!r}; known: {known}") from None
