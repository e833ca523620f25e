"""Dataset loaders, the rendered route and checkpoints of the place-recognition stack."""

import json

import imageio.v3 as iio
import numpy as np
import pytest
import torch

from nervecord.controllers import vpr
from nervecord.envs import places
from nervecord.vpr import checkpoint


def _write_images(folder, count, size=(12, 16), start=0):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(start)
    for k in range(count):
        iio.imwrite(folder / f"{k:04d}.png", rng.integers(0, 256, (*size, 3), dtype=np.uint8))


def test_folders_loader_and_errors(tmp_path):
    _write_images(tmp_path / "reference", 4)
    _write_images(tmp_path / "query", 4, start=1)
    data = places.load_folders(tmp_path)
    assert data.places == 4 and data.query.images.shape == (4, 12, 16, 3)
    assert data.query.place_ids.tolist() == [0, 1, 2, 3]

    _write_images(tmp_path / "query", 5, start=2)
    with pytest.raises(ValueError, match="query holds 5 images"):
        places.load_folders(tmp_path)
    (tmp_path / "query" / "0004.png").unlink()

    iio.imwrite(tmp_path / "query" / "0002.png", np.zeros((10, 16, 3), np.uint8))
    with pytest.raises(ValueError, match="0002.png has size"):
        places.load_folders(tmp_path)
    (tmp_path / "query" / "0002.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match="cannot read image .*0002.png"):
        places.load_folders(tmp_path)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        places.load_folders(tmp_path / "nowhere")


def test_nordland_loader_names_missing_file(tmp_path):
    for season in ("spring", "fall", "summer"):
        _write_images(tmp_path / season, 3)
    data = places.load_nordland(tmp_path)
    assert len(data.reference) == 2 and data.places == 3
    (tmp_path / "summer" / "0001.png").unlink()
    with pytest.raises(FileNotFoundError, match="summer/0001.png is missing"):
        places.load_nordland(tmp_path)


def test_robotcar_loader_and_csv_errors(tmp_path):
    _write_images(tmp_path / "sun", 3)
    _write_images(tmp_path / "dusk", 3, start=1)
    rows = ["traversal,image,place_id"]
    rows += [f"{t},{k:04d}.png,{k}" for t in ("sun", "dusk") for k in range(3)]
    csv_path = tmp_path / "places.csv"
    csv_path.write_text("\n".join(rows) + "\n")
    data = places.load_robotcar(tmp_path, csv_path, ["sun"], "dusk")
    assert data.places == 3
    csv_path.write_text("traversal,image\nsun,0000.png\n")
    with pytest.raises(ValueError, match="lacks column.*place_id"):
        places.load_robotcar(tmp_path, csv_path, ["sun"], "dusk")
    csv_path.write_text("traversal,image,place_id\nsun,0000.png,first\n")
    with pytest.raises(ValueError, match="line 2: place_id 'first'"):
        places.load_robotcar(tmp_path, csv_path, ["sun"], "dusk")


def test_world_is_deterministic_and_changes_appearance(tmp_path):
    settings = places.WorldSettings(places=4, width=24, height=18, calibration_stride=2)
    a = places.load_or_render(settings, tmp_path / "a", progress=False)
    b = places.load_or_render(settings, tmp_path / "b", progress=False)
    assert np.array_equal(a.query.images, b.query.images)
    assert a.reference[0].images.shape == (4, 18, 24, 3)
    assert a.calibration.place_ids.tolist() == [0, 2]
    # a different appearance really changes the pictures
    diff = np.abs(a.reference[0].images.astype(int) - a.query.images.astype(int)).mean()
    assert diff > 10
    # the cache is reused: a second call loads the file the first wrote
    assert len(list((tmp_path / "a").glob("*.npz"))) == 1
    with pytest.raises(ValueError, match="unknown appearance"):
        places.WorldSettings(query="moonlight")


def _tiny_params(config):
    generator = torch.Generator().manual_seed(0)
    pixels = torch.rand(4, 784, generator=generator) * 255
    return vpr.fit(config, pixels, torch.arange(4))


def test_checkpoint_round_trip_and_errors(tmp_path):
    config = vpr.EnsembleConfig(places_per_module=2, n_excitatory=4, epochs=1, presentation_ms=5)
    params = _tiny_params(config)
    checkpoint.save(tmp_path, config, params)
    loaded_config, loaded = checkpoint.load(tmp_path)
    assert loaded_config == config
    assert torch.equal(loaded.weights, params.weights)
    assert loaded.region_places.tolist() == [[0, 1], [2, 3]]

    meta = json.loads((tmp_path / "ensemble.json").read_text())
    old_format = {**meta, "version": 1}  # before the learning rule was stored: unsupervised
    (tmp_path / "ensemble.json").write_text(json.dumps(old_format))
    with pytest.raises(ValueError, match="'weights' has shape"):
        checkpoint.load(tmp_path)
    meta["config"]["view_shifts"] = [0]  # one neuron per place instead of five
    (tmp_path / "ensemble.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="'weights' has shape"):
        checkpoint.load(tmp_path)
    (tmp_path / "ensemble.safetensors").write_bytes(b"\x00garbage")
    with pytest.raises(ValueError, match="corrupt checkpoint weights"):
        checkpoint.load(tmp_path)
    (tmp_path / "ensemble.json").write_text("{not json")
    with pytest.raises(ValueError, match="corrupt checkpoint settings"):
        checkpoint.load(tmp_path)
    with pytest.raises(FileNotFoundError, match="ensemble.json"):
        checkpoint.load(tmp_path / "missing")
