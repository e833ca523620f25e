"""Rendering traversals of the ``places-v1`` route (see :mod:`.world`)."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import mujoco
import numpy as np

from nervecord.envs.places import world
from nervecord.envs.places.appearance import Appearance
from nervecord.envs.places.world import Shape

logger = logging.getLogger(__name__)


class TraversalRenderer:
    """Renders one traversal of the route under one appearance.

    Args:
        seed: route seed (landmark layout).
        places: number of places on the route.
        name: traversal name (seeds its clutter, colour jitter and pose jitter).
        look: the traversal's appearance.
        width: image width (pixels).
        height: image height (pixels).
    """

    def __init__(
        self, seed: int, places: int, name: str, look: Appearance, width: int, height: int
    ) -> None:
        self.look = look
        self.width, self.height = width, height
        length = places * world.PLACE_SPACING + world.VIEW_DISTANCE
        self.rng = np.random.default_rng(world.traversal_key(seed, name))
        self.landmarks = world.layout_landmarks(seed, length)
        self.landmark_rgb = world.shade(self.landmarks.rgb, look, self.rng)
        n_panels = int(length / world.PANEL_LENGTH) + 4
        colours, self.panel_heights = world.panel_colours(seed, n_panels)
        self.panel_rgb = world.shade(colours.reshape(-1, 3), look, self.rng).reshape(-1, 2, 3)
        self.clutter = self._layout_clutter(length)

        self.model = world.build_model(look, width, height)
        self.data = mujoco.MjData(self.model)
        self.renderer = mujoco.Renderer(self.model, height=height, width=width)
        self.pool = {shape: self._geom_ids(shape.name.lower(), world.POOL_SIZE) for shape in Shape}
        self.panel_ids = self._geom_ids("panel", world.PANEL_POOL)
        self.clutter_ids = self._geom_ids("clutter", world.CLUTTER_POOL)

    def _geom_ids(self, prefix: str, count: int) -> np.ndarray:
        """Ids of the pool geoms ``prefix0 .. prefix<count-1>``."""
        return np.array([self.model.geom(f"{prefix}{k}").id for k in range(count)])

    def _layout_clutter(self, length: float) -> dict[str, np.ndarray]:
        """This traversal's movable objects: positions, sizes and colours."""
        density = self.look.clutter_per_place / world.PLACE_SPACING
        count = int(self.rng.poisson(density * length)) + 1
        x = np.sort(self.rng.uniform(-world.BEHIND, length, count))
        y = self.rng.choice([-1.0, 1.0], count) * self.rng.uniform(1.6, 6.0, count)
        size = self.rng.uniform(0.15, 0.6, (count, 3))
        rgb = self.rng.uniform(0.1, 0.9, (count, 3))
        return {"x": x, "y": y, "size": size, "rgb": rgb}

    def close(self) -> None:
        """Free the OpenGL context."""
        self.renderer.close()

    def _hide(self, ids: np.ndarray) -> None:
        self.model.geom_pos[ids] = (0.0, 0.0, -50.0)

    def _place_landmarks(self, x0: float) -> None:
        marks = self.landmarks
        lo, hi = np.searchsorted(marks.x, [x0 - world.BEHIND, x0 + world.VIEW_DISTANCE])
        window = np.arange(lo, hi)
        for shape in Shape:
            ids = self.pool[shape]
            self._hide(ids)
            chosen = window[marks.shape[window] == shape][: len(ids)]
            k = len(chosen)
            half = marks.half_size[chosen]
            size = half.copy()
            z = half[:, 2].copy()
            if shape is Shape.SPHERE:
                z = half[:, 0] + 0.5 * half[:, 2]
            elif shape is Shape.CAPSULE:
                z = half[:, 2] + half[:, 0]
            pos = np.stack([marks.x[chosen] - x0, marks.y[chosen], z], axis=1)
            self.model.geom_pos[ids[:k]] = pos
            self.model.geom_size[ids[:k]] = size
            self.model.geom_rgba[ids[:k], :3] = self.landmark_rgb[chosen]
            self.model.geom_rgba[ids[:k], 3] = 1.0

    def _place_panels(self, x0: float) -> None:
        ids = self.panel_ids
        self._hide(ids)
        first = max(int(math.floor((x0 - world.BEHIND) / world.PANEL_LENGTH)), 0)
        last = int(math.floor((x0 + world.VIEW_DISTANCE) / world.PANEL_LENGTH))
        slot = 0
        for panel in range(first, min(last + 1, len(self.panel_rgb))):
            for side, y in enumerate((-world.WALL_OFFSET, world.WALL_OFFSET)):
                if slot >= len(ids):
                    return
                h = self.panel_heights[panel, side]
                centre = (panel + 0.5) * world.PANEL_LENGTH - x0
                self.model.geom_pos[ids[slot]] = (centre, y, h / 2)
                self.model.geom_size[ids[slot]] = (world.PANEL_LENGTH / 2, 0.1, h / 2)
                self.model.geom_rgba[ids[slot]] = (*self.panel_rgb[panel, side], 1.0)
                slot += 1

    def _place_clutter(self, x0: float) -> None:
        ids = self.clutter_ids
        self._hide(ids)
        c = self.clutter
        lo, hi = np.searchsorted(c["x"], [x0 - world.BEHIND, x0 + world.VIEW_DISTANCE])
        chosen = np.arange(lo, hi)[: len(ids)]
        k = len(chosen)
        size = c["size"][chosen]
        self.model.geom_pos[ids[:k]] = np.stack(
            [c["x"][chosen] - x0, c["y"][chosen], size[:, 2]], axis=1
        )
        self.model.geom_size[ids[:k]] = size
        self.model.geom_rgba[ids[:k], :3] = c["rgb"][chosen]
        self.model.geom_rgba[ids[:k], 3] = 1.0

    def render(self, place_id: int) -> np.ndarray:
        """Image of place ``place_id``: ``(height, width, 3)`` uint8."""
        x0 = place_id * world.PLACE_SPACING
        along = self.rng.normal(0.0, self.look.along_jitter)
        lateral = self.rng.normal(0.0, self.look.lateral_jitter)
        yaw = math.radians(self.rng.normal(0.0, self.look.yaw_jitter))

        self._place_landmarks(x0)
        self._place_panels(x0)
        self._place_clutter(x0)
        ground = self.model.geom("ground").id
        self.model.geom_pos[ground] = (-(x0 % world.GROUND_PERIOD), 0.0, 0.0)
        self.data.mocap_pos[0] = (along, lateral, world.CAMERA_HEIGHT)
        self.data.mocap_quat[0] = (math.cos(yaw / 2), 0.0, 0.0, math.sin(yaw / 2))
        mujoco.mj_forward(self.model, self.data)

        self.renderer.update_scene(self.data, camera="eye")
        return self.renderer.render().copy()

    def render_all(
        self, place_ids: np.ndarray, on_image: Callable[[], None] | None = None
    ) -> np.ndarray:
        """Images of ``place_ids`` in order: ``(n, height, width, 3)`` uint8."""
        images = np.empty((len(place_ids), self.height, self.width, 3), dtype=np.uint8)
        for k, place in enumerate(place_ids):
            images[k] = self.render(int(place))
            if on_image is not None:
                on_image()
        return images
