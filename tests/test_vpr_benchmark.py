"""A small rendered benchmark: the ensemble must learn places, not guess them."""

import json

import pytest
import torch

from nervecord import cli
from nervecord.controllers import vpr
from nervecord.envs import places
from nervecord.vpr import metrics, pipeline

PLACES = 100


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    cache = tmp_path_factory.mktemp("places")
    return places.make_world(PLACES, seed=0, cache_dir=cache, width=64, height=48, progress=False)


def _train(world, config):
    data = pipeline.prepare(world, config, torch.device("cpu"))
    params, _ = pipeline.train(config, data, progress=False)
    return config, data, params


@pytest.fixture(scope="module")
def trained(world):
    return _train(world, vpr.EnsembleConfig(seed=0))


@pytest.fixture(scope="module")
def trained_unsupervised(world):
    config = vpr.EnsembleConfig(learning=vpr.LearningRule.UNSUPERVISED, epochs=3, seed=0)
    return _train(world, config)


@pytest.mark.parametrize("which", ["trained", "trained_unsupervised"])
def test_ensemble_beats_chance_and_regularisation_does_not_hurt(which, request):
    config, data, params = request.getfixturevalue(which)
    assert params.hyperactive_threshold > 0
    regularised = metrics.recall_at_n(vpr.score(config, params, data.query), data.query_ids, 1)
    plain = params._replace(hyperactive_threshold=0)
    unregularised = metrics.recall_at_n(vpr.score(config, plain, data.query), data.query_ids, 1)
    chance = 1.0 / PLACES
    assert regularised >= 5 * chance
    assert regularised >= unregularised


def test_teacher_ensemble_matches_sad(trained):
    config, data, params = trained
    evaluation = pipeline.evaluate(config, params, data)
    assert evaluation.numbers["recall_at_1"] >= evaluation.numbers["sad_recall_at_1"]


def test_new_regions_leave_old_ones_untouched(world):
    config = vpr.EnsembleConfig(seed=1)
    data = pipeline.prepare(world, config, torch.device("cpu"))
    old = data.reference_ids < 50
    params = vpr.fit(config, data.reference[old], data.reference_ids[old])
    old_queries = data.query_ids < 50
    before = vpr.score(config, params, data.query[old_queries])

    grown = vpr.add_regions(
        config, params, data.reference[~old], data.reference_ids[~old], data.reference
    )
    assert grown.modules == params.modules + 2 and grown.n_places == PLACES
    assert torch.equal(grown.weights[:, : params.modules], params.weights)
    assert torch.equal(grown.labels[:, : params.modules], params.labels)
    after = vpr.score(config, grown, data.query[old_queries])
    assert torch.equal(after[:, :50], before)
    truth = data.query_ids[old_queries]
    assert metrics.recall_at_n(after[:, :50], truth, 1) == metrics.recall_at_n(before, truth, 1)
    with pytest.raises(ValueError, match="already learned"):
        vpr.add_regions(config, grown, data.reference[:3], data.reference_ids[:3], data.reference)


def test_spiking_inference_runs_the_full_modules(trained):
    config, data, params = trained
    spiking = config.__class__(**{**config.__dict__, "inference": vpr.InferenceMode.SPIKING})
    scores = vpr.score(spiking, params, data.query[:4])
    assert scores.shape == (4, PLACES) and bool(torch.isfinite(scores).all())


def test_cli_train_eval_and_bad_checkpoint(tmp_path, world, capsys):
    out = tmp_path / "run"
    args = [
        "vpr",
        "train",
        "--world",
        "50",
        "--cache-dir",
        str(tmp_path / "cache"),
        "--epochs",
        "1",
        "--neurons",
        "50",
        "--presentation-ms",
        "30",
        "--out",
        str(out),
    ]
    assert cli.main(args) == 0
    for name in ("ensemble.safetensors", "ensemble.json", "pr_curve.png", "match_matrix.png"):
        assert (out / name).is_file()
    numbers = json.loads((out / "metrics.json").read_text())
    assert {"recall_at_1", "sad_recall_at_1", "auc_pr"} <= set(numbers)

    args = [
        "vpr",
        "eval",
        "--checkpoint",
        str(out),
        "--world",
        "50",
        "--cache-dir",
        str(tmp_path / "cache"),
        "--out",
        str(tmp_path / "eval"),
    ]
    assert cli.main(args) == 0
    assert "recall_at_1" in capsys.readouterr().out

    (out / "ensemble.safetensors").write_bytes(b"broken")
    assert cli.main(args) == 2
    assert "corrupt checkpoint weights" in capsys.readouterr().err
