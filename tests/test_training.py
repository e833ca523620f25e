"""Training: ES learns, resumes exactly, splits across Ray; PPO runs and saves."""

import csv
import json

import numpy as np
import pytest
import torch

from nervecord.checkpoints import latest_checkpoint, load_checkpoint
from nervecord.cli import main
from nervecord.controllers import NCAP, MLPController
from nervecord.evaluate import evaluate
from nervecord.training.es import ESConfig, centred_ranks
from nervecord.training.population import ParamLayout, evaluate_members, population_actions
from nervecord.training.runner import RunSettings, train

SMALL_ES = ESConfig(population=8, sigma=0.05, learning_rate=0.1)


def test_centred_ranks_by_hand():
    # Ranks of [3, -1, 10, 0] are [2, 0, 3, 1]; scaled by 1/3 and shifted by -0.5.
    np.testing.assert_allclose(
        centred_ranks(np.array([3.0, -1, 10, 0])), [1 / 6, -0.5, 0.5, -1 / 6]
    )


def test_centred_ranks_share_ties():
    # [0, 0, 5, 0]: the zeros hold ranks 0, 1, 2 -> mean 1 -> 1/3 - 0.5; the 5 ranks 3 -> 0.5.
    np.testing.assert_allclose(
        centred_ranks(np.array([0.0, 0, 5, 0])), [-1 / 6, -1 / 6, 0.5, -1 / 6]
    )
    np.testing.assert_array_equal(centred_ranks(np.zeros(6)), np.zeros(6))  # no signal, no step


def test_population_actions_match_each_member_alone():
    ncap = NCAP(5, shared=False)
    layout = ParamLayout.of(ncap)
    members = torch.rand(3, layout.dim) * 2
    observation = torch.randn(6, 24)  # 2 worlds per member
    actions = population_actions(ncap, layout.unflatten(members), observation)
    for m in range(3):
        alone = layout.load_into(NCAP(5, shared=False), members[m])
        torch.testing.assert_close(
            actions[2 * m : 2 * m + 2], alone(observation[2 * m : 2 * m + 2])
        )


def test_split_population_evaluation_equals_whole():
    ncap = NCAP(5)
    members = 1.0 + 0.1 * torch.randn(4, 4, generator=torch.Generator().manual_seed(0))
    whole = evaluate_members(ncap, members, 6, episodes=1, seed=3, episode_steps=100)
    head = evaluate_members(ncap, members[:2], 6, episodes=1, seed=3, episode_steps=100)
    tail = evaluate_members(
        ncap, members[2:], 6, episodes=1, seed=3, first_member=2, episode_steps=100
    )
    np.testing.assert_array_equal(whole, np.concatenate([head, tail]))


def test_es_improves_ncap(tmp_path):
    """Six generations of 8 members lift the untrained NCAP's return by a clear margin."""
    settings = RunSettings(
        controller="ncap",
        algo="es",
        n_links=6,
        steps=6 * SMALL_ES.env_steps_per_generation,
        seed=0,
        out=tmp_path,
        es=SMALL_ES,
    )
    result = train(settings, progress=False)
    before = evaluate(NCAP(5), 6, episodes=4, seed=123)["mean_return"]
    after = evaluate(result["controller"], 6, episodes=4, seed=123)["mean_return"]
    assert after >= before + 40, (before, after)
    rows = list(csv.DictReader(open(tmp_path / "progress.csv")))
    assert len(rows) == 6 and int(rows[-1]["env_steps"]) == settings.steps
    assert (tmp_path / "reward_curve.png").stat().st_size > 0
    loaded = load_checkpoint(tmp_path, expected_kind="ncap", expected_joints=5)
    torch.testing.assert_close(loaded.controller.theta_prop, result["controller"].theta_prop)


def test_es_resume_matches_uninterrupted_run(tmp_path):
    config = ESConfig(population=4, sigma=0.05, learning_rate=0.1, episode_steps=50)
    per_gen = config.env_steps_per_generation

    def settings(out, gens):
        return RunSettings(
            controller="ncap",
            algo="es",
            n_links=5,
            steps=gens * per_gen,
            seed=7,
            out=out,
            es=config,
            checkpoint_every=per_gen,
        )

    whole = train(settings(tmp_path / "whole", 4), progress=False)
    train(settings(tmp_path / "split", 2), progress=False)
    resumed = train(settings(tmp_path / "split", 4), resume=True, progress=False)
    for name, value in whole["controller"].state_dict().items():
        torch.testing.assert_close(resumed["controller"].state_dict()[name], value, rtol=0, atol=0)
    assert (tmp_path / "whole" / "progress.csv").read_text() != ""
    whole_rows = list(csv.DictReader(open(tmp_path / "whole" / "progress.csv")))
    split_rows = list(csv.DictReader(open(tmp_path / "split" / "progress.csv")))
    assert [r["center_return"] for r in whole_rows] == [r["center_return"] for r in split_rows]


def test_resume_refuses_checkpoint_of_other_controller(tmp_path):
    config = ESConfig(population=2, episode_steps=10)
    base = dict(algo="es", n_links=4, steps=config.env_steps_per_generation, out=tmp_path)
    train(RunSettings(controller="ncap", es=config, **base), progress=False)
    with pytest.raises(ValueError, match="'ncap' controller, not the 'mlp'"):
        train(RunSettings(controller="mlp", es=config, **base), resume=True, progress=False)
    with pytest.raises(ValueError, match="already holds a training run"):
        train(RunSettings(controller="ncap", es=config, **base), progress=False)


def test_ray_training_equals_single_process(tmp_path):
    """ES with the population spread over 2 local Ray workers gives the same run."""
    ray = pytest.importorskip("ray")
    config = ESConfig(population=6, sigma=0.05, learning_rate=0.1, episode_steps=100)

    def run(out, workers):
        settings = RunSettings(
            controller="ncap",
            algo="es",
            n_links=6,
            steps=2 * config.env_steps_per_generation,
            seed=5,
            out=out,
            es=config,
            ray_workers=workers,
        )
        return train(settings, progress=False)

    local = run(tmp_path / "local", 0)
    spread = run(tmp_path / "ray", 2)
    assert not ray.is_initialized()
    for name, value in local["controller"].state_dict().items():
        torch.testing.assert_close(spread["controller"].state_dict()[name], value, rtol=0, atol=0)
    local_rows = (tmp_path / "local" / "progress.csv").read_text().splitlines()
    ray_rows = (tmp_path / "ray" / "progress.csv").read_text().splitlines()
    # Same returns generation by generation (the timing column differs).
    assert [r.split(",")[:5] for r in local_rows] == [r.split(",")[:5] for r in ray_rows]


def test_ppo_smoke_saves_checkpoint_eval_loads(tmp_path):
    out = tmp_path / "ppo"
    code = main(
        [
            "train",
            "--controller",
            "ncap",
            "--algo",
            "ppo",
            "--links",
            "6",
            "--steps",
            "512",
            "--n-envs",
            "2",
            "--n-steps",
            "256",
            "--eval-every",
            "256",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    checkpoint = latest_checkpoint(out)
    state = json.loads((checkpoint / "state.json").read_text())
    assert state["algo"] == "ppo" and state["step"] >= 512
    assert (
        main(
            [
                "eval",
                "--checkpoint",
                str(out),
                "--episodes",
                "1",
                "--json",
                str(tmp_path / "e.json"),
            ]
        )
        == 0
    )
    results = json.loads((tmp_path / "e.json").read_text())
    assert results["n_params"] == 4 and results["links"] == 6


def test_ppo_mlp_actor_is_sb3_default_shape():
    from nervecord.training.ppo import SB3_MLP_SETTINGS

    mlp = MLPController(5, **SB3_MLP_SETTINGS)
    assert mlp.n_params() == 73_477
    last = mlp.net[-2]
    assert float(last.bias.detach().abs().sum()) == 0.0


def test_example_training_script_runs():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "examples" / "train_ncap_ppo.py"
    result = subprocess.run(
        [sys.executable, str(script), "--steps", "512"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "before:" in result.stdout and "after:" in result.stdout


def test_ppo_resume_restores_policy_and_optimiser(tmp_path):
    from nervecord.training.ppo import PPORun

    def settings(steps):
        return RunSettings(
            controller="ncap",
            algo="ppo",
            n_links=4,
            steps=steps,
            seed=0,
            out=tmp_path,
            ppo={"n_envs": 2, "n_steps": 128, "eval_every": 256},
        )

    train(settings(256), progress=False)
    saved = load_checkpoint(tmp_path)
    run = PPORun(settings(512))
    run.restore()
    assert run.model.num_timesteps == 256
    for name, value in run.model.policy.state_dict().items():
        torch.testing.assert_close(value, saved.tensors[f"policy.{name}"], rtol=0, atol=0)
    moments = run.model.policy.optimizer.state_dict()["state"]
    assert moments and all(float(slot["step"]) > 0 for slot in moments.values())
    run.env.close()

    train(settings(512), resume=True, progress=False)
    assert load_checkpoint(tmp_path).state["step"] == 512
    steps = [int(r["env_steps"]) for r in csv.DictReader(open(tmp_path / "progress.csv"))]
    assert steps == sorted(steps) and steps[-1] == 512
