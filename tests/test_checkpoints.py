"""Checkpoints: round trip, atomic replacement, and every bad-checkpoint error."""

import json
import os

import pytest
import torch

from nervecord import checkpoints
from nervecord.checkpoints import latest_checkpoint, load_checkpoint, save_checkpoint
from nervecord.controllers import NCAP, MLPController


def _ncap(value=1.5):
    ncap = NCAP(5, oscillator_period=40)
    with torch.no_grad():
        ncap.theta_prop.fill_(value)
    return ncap


def test_round_trip(tmp_path):
    path = save_checkpoint(
        tmp_path, _ncap(), step=100, state={"seed": 3}, tensors={"adam_m": torch.ones(4)}
    )
    loaded = load_checkpoint(path)
    assert isinstance(loaded.controller, NCAP)
    assert loaded.controller.oscillator_period == 40
    assert loaded.controller.weight("prop").item() == pytest.approx(1.5)
    assert loaded.state == {"step": 100, "seed": 3}
    torch.testing.assert_close(loaded.tensors["adam_m"], torch.ones(4))
    # A run folder resolves to its latest checkpoint.
    assert load_checkpoint(tmp_path).path == path


def test_latest_points_at_newest(tmp_path):
    save_checkpoint(tmp_path, _ncap(1.0), step=10)
    newest = save_checkpoint(tmp_path, _ncap(2.0), step=20)
    assert latest_checkpoint(tmp_path) == newest
    assert load_checkpoint(tmp_path).controller.weight("prop").item() == pytest.approx(2.0)


def test_crash_mid_write_keeps_last_good(tmp_path, monkeypatch):
    good = save_checkpoint(tmp_path, _ncap(1.0), step=10)

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(checkpoints, "save_file", crash)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(tmp_path, _ncap(2.0), step=20)
    assert latest_checkpoint(tmp_path) == good
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".step")]  # no debris
    assert load_checkpoint(tmp_path).controller.weight("prop").item() == pytest.approx(1.0)


def test_crash_before_rename_keeps_last_good(tmp_path, monkeypatch):
    good = save_checkpoint(tmp_path, _ncap(1.0), step=10)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "rename", crash)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(tmp_path, _ncap(2.0), step=20)
    monkeypatch.undo()
    assert load_checkpoint(tmp_path).path == good


def test_truncated_weights_are_reported_corrupt(tmp_path):
    path = save_checkpoint(tmp_path, _ncap(), step=1)
    weights = path / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:20])
    with pytest.raises(ValueError, match="corrupt"):
        load_checkpoint(path)


def test_flipped_byte_is_reported_corrupt(tmp_path):
    path = save_checkpoint(tmp_path, _ncap(), step=1)
    weights = path / "weights.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="checksum"):
        load_checkpoint(path)


def test_unreadable_settings_are_reported_corrupt(tmp_path):
    path = save_checkpoint(tmp_path, _ncap(), step=1)
    (path / "controller.json").write_text("{not json")
    with pytest.raises(ValueError, match="corrupt.*controller.json"):
        load_checkpoint(path)


def test_pickle_file_is_not_loaded(tmp_path):
    path = save_checkpoint(tmp_path, _ncap(), step=1)
    torch.save(_ncap().state_dict(), path / "weights.safetensors")  # a pickle in disguise
    with pytest.raises(ValueError, match="corrupt"):
        load_checkpoint(path)


def test_other_controller_kind(tmp_path):
    path = save_checkpoint(tmp_path, MLPController(5, hidden_sizes=(8,)), step=1)
    with pytest.raises(ValueError, match="'mlp' controller, not the 'ncap'"):
        load_checkpoint(path, expected_kind="ncap")


def test_other_link_count(tmp_path):
    path = save_checkpoint(tmp_path, _ncap(), step=1)
    with pytest.raises(ValueError, match="trained for 6 links .* not 9 links"):
        load_checkpoint(path, expected_joints=8)


def test_missing_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match="controller.json"):
        load_checkpoint(tmp_path / "nothing")


def test_corrupt_latest_pointer(tmp_path):
    save_checkpoint(tmp_path, _ncap(), step=1)
    (tmp_path / "latest.json").write_text("garbage")
    with pytest.raises(ValueError, match="latest.json is corrupt"):
        load_checkpoint(tmp_path)


def test_settings_are_plain_json(tmp_path):
    path = save_checkpoint(tmp_path, _ncap(), step=1)
    meta = json.loads((path / "controller.json").read_text())
    assert meta["kind"] == "ncap" and meta["config"]["n_joints"] == 5
