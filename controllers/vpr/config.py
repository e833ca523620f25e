"""Settings of a spiking place-recognition ensemble, stored as JSON with its weights."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any

from nervecord.controllers.vpr.neurons import ExcitatoryParams, InhibitoryParams, SynapseParams
from nervecord.controllers.vpr.stdp import StdpParams


class InferenceMode(str, enum.Enum):
    """How query responses are computed once the modules are trained."""

    RATE = "rate"
    """Noise-free: expected input conductance, isolated-neuron spike count."""
    SPIKING = "spiking"
    """Poisson input spikes through the full module with winner-take-all."""


@dataclass(frozen=True)
class EnsembleConfig:
    """Every setting needed to train and run an ensemble of spiking modules.

    Attributes:
        places_per_module: places learned by each module (a region).
        n_excitatory: excitatory (and inhibitory) neurons per module.
        members: independently seeded networks whose scores are summed.
        epochs: passes over each module's training images.
        dt: simulation time step (ms).
        presentation_ms: time each image is shown (ms).
        rate_divisor: pixel value per Hz of input rate.
        min_spikes: a learning presentation with fewer excitatory spikes is
            repeated with stronger input (at most ``max_retries`` times).
        max_retries: repetitions of a presentation that drew too few spikes.
        w_init_min: initial input weights are uniform in
            ``[w_init_min, w_init_max]``.
        w_init_max: upper end of the initial weights.
        image_side: side of the preprocessed image (pixels).
        patch_side: side of the patch-normalisation window (pixels).
        exclusive_spikes: at most one excitatory neuron per module spikes in
            a step (the one furthest above threshold); see
            :func:`~nervecord.controllers.vpr.neurons.step`.
        inference: how responses are computed after training.
        rate_winners: in ``RATE`` inference, neurons per module that keep
            their response (the winner-take-all of the expected-rate pass).
        seed: seeds every random draw of training and spiking inference.
    """

    places_per_module: int = 25
    n_excitatory: int = 400
    members: int = 1
    epochs: int = 3
    dt: float = 1.0
    presentation_ms: float = 100.0
    rate_divisor: float = 4.0
    min_spikes: int = 5
    max_retries: int = 3
    w_init_min: float = 0.09
    w_init_max: float = 0.11
    image_side: int = 28
    patch_side: int = 7
    exclusive_spikes: bool = True
    inference: InferenceMode = InferenceMode.RATE
    rate_winners: int = 3
    seed: int = 0
    excitatory: ExcitatoryParams = field(default_factory=ExcitatoryParams)
    inhibitory: InhibitoryParams = field(default_factory=InhibitoryParams)
    synapse: SynapseParams = field(default_factory=SynapseParams)
    stdp: StdpParams = field(default_factory=lambda: StdpParams(triplet=False))

    def __post_init__(self) -> None:
        positive = {
            "places_per_module": self.places_per_module,
            "n_excitatory": self.n_excitatory,
            "members": self.members,
            "dt": self.dt,
            "presentation_ms": self.presentation_ms,
            "rate_divisor": self.rate_divisor,
            "image_side": self.image_side,
        }
        for name, value in positive.items():
            if not value > 0:
                raise ValueError(f"{name} must be positive, got {value}")
        if self.epochs < 0:
            raise ValueError(f"epochs must be >= 0, got {self.epochs}")
        if self.presentation_ms < self.dt:
            raise ValueError(
                f"presentation_ms ({self.presentation_ms}) is shorter than one step dt ({self.dt})"
            )
        if self.n_excitatory < self.places_per_module:
            raise ValueError(
                f"n_excitatory ({self.n_excitatory}) must be at least places_per_module "
                f"({self.places_per_module}) so that every place can own a neuron"
            )

    @property
    def steps(self) -> int:
        """Time steps per presentation."""
        return int(round(self.presentation_ms / self.dt))

    @property
    def inputs(self) -> int:
        """Input neurons: one per preprocessed pixel."""
        return self.image_side * self.image_side

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (nested parameter groups as dictionaries)."""
        data = dataclasses.asdict(self)
        data["inference"] = self.inference.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EnsembleConfig:
        """Inverse of :meth:`to_dict`.

        Raises:
            ValueError: naming an unknown or ill-typed setting.
        """
        if not isinstance(data, dict):
            raise ValueError(f"ensemble settings must be a JSON object, got {type(data).__name__}")
        groups = {
            "excitatory": ExcitatoryParams,
            "inhibitory": InhibitoryParams,
            "synapse": SynapseParams,
            "stdp": StdpParams,
        }
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown ensemble settings: {', '.join(unknown)}")
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            try:
                if key in groups:
                    kwargs[key] = groups[key](**value)
                elif key == "inference":
                    kwargs[key] = InferenceMode(value)
                else:
                    kwargs[key] = value
            except (TypeError, ValueError) as error:
                raise ValueError(f"bad ensemble setting {key!r}: {error}") from error
        return cls(**kwargs)
