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


class LearningRule(str, enum.Enum):
    """How the modules learn their places."""

    TEACHER = "teacher"
    """Teacher-driven STDP: each place owns output neurons that a teacher makes
    spike while that place is shown (see :mod:`~nervecord.controllers.vpr.teacher`)."""
    UNSUPERVISED = "unsupervised"
    """Diehl & Cook STDP with winner-take-all; neurons are labelled afterwards."""


class InputCode(str, enum.Enum):
    """Spike code of the input neurons during teacher-driven learning."""

    REGULAR = "regular"
    """Deterministic rate code: evenly spaced spikes at the pixel's rate."""
    POISSON = "poisson"
    """Bernoulli (Poisson) spikes at the pixel's rate."""


@dataclass(frozen=True)
class EnsembleConfig:
    """Every setting needed to train and run an ensemble of spiking modules.

    Attributes:
        places_per_module: places learned by each module (a region).
        learning: how the modules learn (:class:`LearningRule`).
        n_excitatory: excitatory (and inhibitory) neurons per module in
            ``UNSUPERVISED`` learning (teacher modules have
            ``places_per_module * len(view_shifts)`` output neurons).
        members: independently seeded networks whose scores are summed.
        epochs: passes over each module's training images (teacher learning converges
            in one; later epochs let the learned input shift the taught spikes).
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
        view_shifts: ``TEACHER`` only: horizontal shifts (pixels) of the
            reference view; each place owns one output neuron per shift, and a
            place's score is the largest response among its neurons.
        input_code: ``TEACHER`` only: input spike code while learning.
        teacher_rate_hz: ``TEACHER`` only: firing rate the teacher imposes on
            the taught neurons (Hz).
        teacher_nu: ``TEACHER`` only: STDP rate per postsynaptic spike.
        weight_norm: ``TEACHER`` only: Euclidean norm of each output
            neuron's signed input weights after each epoch.
        firing_threshold: ``TEACHER`` only: threshold of the integrate-and-fire
            output neurons (in units of input weight).
        seed: seeds every random draw of training and spiking inference.
    """

    places_per_module: int = 25
    learning: LearningRule = LearningRule.TEACHER
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
    view_shifts: tuple[int, ...] = (-2, -1, 0, 1, 2)
    input_code: InputCode = InputCode.REGULAR
    teacher_rate_hz: float = 200.0
    teacher_nu: float = 0.01
    weight_norm: float = 1.0
    firing_threshold: float = 2.0
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
            "teacher_rate_hz": self.teacher_rate_hz,
            "teacher_nu": self.teacher_nu,
            "weight_norm": self.weight_norm,
            "firing_threshold": self.firing_threshold,
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
        if not self.view_shifts or any(abs(int(k)) >= self.image_side for k in self.view_shifts):
            raise ValueError(
                f"view_shifts must be a non-empty tuple of shifts smaller than the image side "
                f"({self.image_side}), got {self.view_shifts}"
            )
        unsupervised = self.learning is LearningRule.UNSUPERVISED
        if not unsupervised and self.input_code is InputCode.REGULAR and self.members > 1:
            raise ValueError(
                f"members={self.members} with the deterministic regular input code would train "
                "identical networks; use input_code='poisson' so that each member learns from "
                "its own spike trains, or members=1"
            )
        if unsupervised and self.n_excitatory < self.places_per_module:
            raise ValueError(
                f"n_excitatory ({self.n_excitatory}) must be at least places_per_module "
                f"({self.places_per_module}) so that every place can own a neuron"
            )

    @property
    def steps(self) -> int:
        """Time steps per presentation."""
        return int(round(self.presentation_ms / self.dt))

    @property
    def neurons_per_module(self) -> int:
        """Output (excitatory) neurons of one module under the chosen learning rule."""
        if self.learning is LearningRule.TEACHER:
            return self.places_per_module * len(self.view_shifts)
        return self.n_excitatory

    @property
    def place_pooling(self) -> str:
        """How a place's score is read from its neurons: ``"max"`` (teacher) or ``"mean"``."""
        return "max" if self.learning is LearningRule.TEACHER else "mean"

    @property
    def inputs(self) -> int:
        """Input neurons: one per preprocessed pixel."""
        return self.image_side * self.image_side

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (nested parameter groups as dictionaries)."""
        data = dataclasses.asdict(self)
        data["inference"] = self.inference.value
        data["learning"] = self.learning.value
        data["input_code"] = self.input_code.value
        data["view_shifts"] = list(self.view_shifts)
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
                elif key == "learning":
                    kwargs[key] = LearningRule(value)
                elif key == "input_code":
                    kwargs[key] = InputCode(value)
                elif key == "view_shifts":
                    kwargs[key] = tuple(int(k) for k in value)
                else:
                    kwargs[key] = value
            except (TypeError, ValueError) as error:
                raise ValueError(f"bad ensemble setting {key!r}: {error}") from error
        return cls(**kwargs)
