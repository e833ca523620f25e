"""Checkpoints: weights as safetensors, settings as JSON, written atomically.

A checkpoint is a folder::

    step_000012345/
        weights.safetensors     controller parameters
        controller.json         {"kind", "config", "weights_sha256", "format"}
        state.safetensors       optional training tensors (optimiser moments...)
        state.json              optional training scalars (step, seed, ...)

It is written under a temporary name and renamed into place, and the run
folder's ``latest.json`` is replaced atomically afterwards, so a crash at any
point leaves the previous checkpoint whole and ``latest.json`` pointing at it.
Nothing is ever unpickled: loading reads only safetensors and JSON.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from nervecord.controllers import Controller, make_controller

log = logging.getLogger(__name__)

FORMAT = "nervecord-checkpoint-1"
LATEST = "latest.json"


@dataclass
class Checkpoint:
    """A loaded checkpoint.

    Attributes:
        controller: the rebuilt controller, weights loaded.
        path: the checkpoint folder.
        state: training scalars from state.json (empty if none).
        tensors: training tensors from state.safetensors (empty if none).
    """

    controller: Controller
    path: Path
    state: dict[str, Any] = field(default_factory=dict)
    tensors: dict[str, torch.Tensor] = field(default_factory=dict)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    with open(path, "w") as handle:
        json.dump(payload, handle, indent=2, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_checkpoint(
    run_dir: str | Path,
    controller: Controller,
    step: int,
    state: dict[str, Any] | None = None,
    tensors: dict[str, torch.Tensor] | None = None,
) -> Path:
    """Write a checkpoint folder for ``step`` under ``run_dir`` and point latest.json at it.

    Args:
        run_dir: the training run's folder.
        controller: the controller whose weights and settings to save.
        step: env steps done; names the folder.
        state: JSON-serialisable training scalars.
        tensors: training tensors (optimiser moments, ES mean...).

    Returns:
        The checkpoint folder.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    final = run_dir / f"step_{int(step):012d}"
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=run_dir))
    try:
        weights = {k: v.detach().cpu().contiguous() for k, v in controller.state_dict().items()}
        save_file(weights, str(tmp / "weights.safetensors"))
        meta = {
            "format": FORMAT,
            "kind": controller.kind,
            "config": controller.config(),
            "weights_sha256": _sha256(tmp / "weights.safetensors"),
        }
        _write_json(tmp / "controller.json", meta)
        if tensors:
            cpu = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
            save_file(cpu, str(tmp / "state.safetensors"))
        _write_json(tmp / "state.json", {"step": int(step), **(state or {})})
        _fsync_dir(tmp)
        if final.exists():
            shutil.rmtree(final)
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    latest_tmp = run_dir / f".{LATEST}.tmp"
    _write_json(latest_tmp, {"checkpoint": final.name, "step": int(step)})
    os.replace(latest_tmp, run_dir / LATEST)
    _fsync_dir(run_dir)
    log.debug("saved checkpoint %s", final)
    return final


def latest_checkpoint(run_dir: str | Path) -> Path | None:
    """The folder latest.json names in ``run_dir``, or None if there is none."""
    pointer = Path(run_dir) / LATEST
    if not pointer.exists():
        return None
    try:
        name = json.loads(pointer.read_text())["checkpoint"]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"{pointer} is corrupt ({error}); remove it to start afresh") from error
    path = Path(run_dir) / name
    if not path.is_dir():
        raise ValueError(f"{pointer} names {name}, which does not exist in {run_dir}")
    return path


def _resolve(path: Path) -> Path:
    """Accept a checkpoint folder, a run folder (its latest) or a weights file."""
    if path.is_file() and path.name == "weights.safetensors":
        return path.parent
    if path.is_dir() and (path / LATEST).exists():
        resolved = latest_checkpoint(path)
        assert resolved is not None
        return resolved
    return path


def load_checkpoint(
    path: str | Path,
    expected_kind: str | None = None,
    expected_joints: int | None = None,
    map_location: str | torch.device = "cpu",
) -> Checkpoint:
    """Load and check a checkpoint.

    Args:
        path: a checkpoint folder, a run folder (loads its latest) or the
            weights.safetensors inside a checkpoint folder.
        expected_kind: controller kind the caller needs ("ncap", "mlp").
        expected_joints: number of joints of the body it will drive.
        map_location: device of the loaded tensors.

    Raises:
        FileNotFoundError: nothing at ``path``.
        ValueError: the checkpoint is corrupt, of another controller kind or
            of another number of joints; the message says which.
    """
    path = _resolve(Path(path))
    meta_path, weights_path = path / "controller.json", path / "weights.safetensors"
    for required in (meta_path, weights_path):
        if not required.is_file():
            raise FileNotFoundError(f"checkpoint {path} has no {required.name}")

    try:
        meta = json.loads(meta_path.read_text())
        kind, config = meta["kind"], dict(meta["config"])
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(
            f"checkpoint {path} is corrupt: unreadable controller.json ({error})"
        ) from error
    if meta.get("format") != FORMAT:
        raise ValueError(f"checkpoint {path} has format {meta.get('format')!r}, not {FORMAT!r}")
    if meta.get("weights_sha256") != _sha256(weights_path):
        raise ValueError(
            f"checkpoint {path} is corrupt: weights.safetensors does not match its checksum"
        )
    if expected_kind is not None and kind != expected_kind:
        raise ValueError(
            f"checkpoint {path} holds a {kind!r} controller, not the {expected_kind!r} asked for"
        )
    n_joints = int(config.pop("n_joints"))
    if expected_joints is not None and n_joints != expected_joints:
        raise ValueError(
            f"checkpoint {path} was trained for {n_joints + 1} links ({n_joints} joints), "
            f"not {expected_joints + 1} links (a shared-weight NCAP runs on other bodies "
            "with `nervecord eval --transfer`)"
        )

    try:
        weights = load_file(str(weights_path), device=str(map_location))
    except (SafetensorError, OSError) as error:
        raise ValueError(f"checkpoint {path} is corrupt: {error}") from error
    controller = make_controller(kind, n_joints, **config)
    try:
        controller.load_state_dict(weights)
    except RuntimeError as error:
        raise ValueError(f"checkpoint {path} does not fit a {kind} controller: {error}") from error
    controller.to(map_location)

    state: dict[str, Any] = {}
    if (path / "state.json").is_file():
        try:
            state = json.loads((path / "state.json").read_text())
        except json.JSONDecodeError as error:
            raise ValueError(
                f"checkpoint {path} is corrupt: unreadable state.json ({error})"
            ) from error
    tensors: dict[str, torch.Tensor] = {}
    if (path / "state.safetensors").is_file():
        try:
            tensors = load_file(str(path / "state.safetensors"), device=str(map_location))
        except (SafetensorError, OSError) as error:
            raise ValueError(
                f"checkpoint {path} is corrupt: state.safetensors: {error}"
            ) from error
    return Checkpoint(controller=controller, path=path, state=state, tensors=tensors)
