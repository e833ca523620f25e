"""The command line: eval and bench sim write their documented JSON keys."""

import json
import xml.etree.ElementTree as ET
from configparser import ConfigParser
from pathlib import Path

import pytest

from nervecord.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_eval_json_keys(tmp_path, capsys):
    out = tmp_path / "eval.json"
    code = main(
        ["eval", "--controller", "ncap", "--links", "6", "--episodes", "2", "--json", str(out)]
    )
    assert code == 0
    results = json.loads(out.read_text())
    for key in ("mean_return", "std_return", "mean_forward_speed", "n_params"):
        assert key in results
    assert results["n_params"] == 4 and results["mean_return"] > 750
    assert "return" in capsys.readouterr().out


def test_eval_bad_link_count_is_a_clear_error(capsys):
    assert main(["eval", "--links", "40", "--episodes", "1"]) == 2
    assert "n_links must lie in [3, 20]" in capsys.readouterr().err


def test_eval_missing_checkpoint_is_a_clear_error(tmp_path, capsys):
    assert main(["eval", "--checkpoint", str(tmp_path / "none")]) == 2
    assert "controller.json" in capsys.readouterr().err


def test_bench_sim_quick_json_keys(tmp_path):
    out = tmp_path / "bench.json"
    code = main(
        ["bench", "sim", "--quick", "--worlds", "1", "8", "--repeats", "1", "--json", str(out)]
    )
    assert code == 0
    results = json.loads(out.read_text())
    assert results["batched_vs_sync"] > 0 and results["batched_vs_physics_bound"] > 0
    names = {(c["name"], c["num_worlds"]) for c in results["configs"]}
    assert {("sync", 8), ("batched", 1), ("batched", 8), ("physics_bound", 8)} <= names


def test_package_manifest():
    root = ET.parse(ROOT / "package.xml").getroot()
    assert root.tag == "package" and root.get("format") == "3"
    assert root.findtext("name") == "nervecord"
    assert root.find("export/build_type").text == "ament_python"
    depends = {e.text for e in root.findall("exec_depend")}
    assert {"rclpy", "std_msgs", "sensor_msgs", "launch", "launch_ros"} <= depends
    assert (ROOT / "resource" / "nervecord").is_file()


def test_console_script_declared_and_installed():
    config = ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert "nervecord = nervecord.cli:main" in config["options.entry_points"]["console_scripts"]
    assert config["install"]["install_scripts"] == "$base/lib/nervecord"


@pytest.mark.parametrize("module", ["controllers", "envs", "ros_nodes"])
def test_layer_folders_import_as_namespace(module):
    imported = __import__(f"nervecord.{module}", fromlist=["_"])
    assert Path(imported.__file__).parent == ROOT / module


def test_eval_transfer_runs_shared_ncap_on_another_body(tmp_path, capsys):
    from nervecord.checkpoints import save_checkpoint
    from nervecord.controllers import NCAP

    save_checkpoint(tmp_path / "run", NCAP(5), step=1)
    assert main(["eval", "--checkpoint", str(tmp_path / "run"), "--links", "8"]) == 2
    assert "trained for 6 links" in capsys.readouterr().err
    out = tmp_path / "t.json"
    args = ["eval", "--checkpoint", str(tmp_path / "run"), "--links", "8", "--transfer"]
    assert main([*args, "--episodes", "1", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["links"] == 8


def test_bench_train_quick_json_keys(tmp_path):
    out = tmp_path / "train.json"
    args = ["bench", "train", "--populations", "4", "--generations", "1"]
    args += ["--episode-steps", "10", "--ppo-steps", "512", "--json", str(out)]
    assert main(args) == 0
    results = json.loads(out.read_text())
    row = results["es"][0]
    assert row["population"] == 4 and row["generations_per_s"] > 0 and row["env_steps_per_s"] > 0
    assert results["ppo"]["batched_steps_per_s"] > 0 and results["ppo"]["sync_steps_per_s"] > 0
    assert results["ppo_batched_vs_sync"] > 0
