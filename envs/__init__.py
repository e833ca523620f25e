"""Simulated worlds for nervecord's controllers.

Registers the gymnasium id ``nervecord/Swimmer-v0`` (link count a keyword,
1000-step time limit) and, for vectorised use, ``gymnasium.make_vec`` with
``vectorization_mode="vector_entry_point"`` builds the batched simulator.
"""

from gymnasium.envs.registration import register, registry

from nervecord.envs.batched import BatchedSwimmer, BatchStep, MujocoBatchBackend, PhysicsBackend
from nervecord.envs.swimmer import ObservationLayout, SwimmerEnv, SwimTask
from nervecord.envs.swimmer_model import MAX_LINKS, MIN_LINKS

SWIMMER_ID = "nervecord/Swimmer-v0"

if SWIMMER_ID not in registry:
    register(
        id=SWIMMER_ID,
        entry_point="nervecord.envs.swimmer:SwimmerEnv",
        vector_entry_point="nervecord.envs.vector:SwimmerVectorEnv",
        max_episode_steps=1000,
    )

__all__ = [
    "BatchStep",
    "BatchedSwimmer",
    "MAX_LINKS",
    "MIN_LINKS",
    "MujocoBatchBackend",
    "ObservationLayout",
    "PhysicsBackend",
    "SWIMMER_ID",
    "SwimTask",
    "SwimmerEnv",
]
