"""Place-recognition data: the rendered ``places-v1`` route and real-dataset loaders."""

from nervecord.envs.places.appearance import APPEARANCES, Appearance, appearance
from nervecord.envs.places.benchmark import (
    WorldSettings,
    default_cache_dir,
    load_or_render,
    make_world,
)
from nervecord.envs.places.datasets import (
    PlaceDataset,
    Traversal,
    load_folders,
    load_nordland,
    load_robotcar,
    read_image,
)

__all__ = [
    "APPEARANCES",
    "Appearance",
    "PlaceDataset",
    "Traversal",
    "WorldSettings",
    "appearance",
    "default_cache_dir",
    "load_folders",
    "load_nordland",
    "load_or_render",
    "load_robotcar",
    "make_world",
    "read_image",
]
