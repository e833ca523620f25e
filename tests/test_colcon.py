"""`colcon build` installs nervecord as a ROS 2 package (ament_python).

Runs where a colcon executable is named by NERVECORD_COLCON or on PATH (`make
test` provides one in .venv-colcon).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _colcon() -> str | None:
    named = os.environ.get("NERVECORD_COLCON")
    if named:
        path = Path(named)
        return str(path if path.is_absolute() else ROOT / path)
    return shutil.which("colcon")


@pytest.mark.skipif(_colcon() is None, reason="colcon is not installed")
def test_colcon_build_installs_package(tmp_path):
    source = tmp_path / "src" / "nervecord"
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in tracked:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    build = subprocess.run(
        [_colcon(), "build", "--base-paths", "src"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    install = tmp_path / "install" / "nervecord"
    for script in ("nervecord", "ncap_controller", "swimmer_sim"):
        assert (install / "lib" / "nervecord" / script).is_file()  # where `ros2 run` looks
    share = install / "share" / "nervecord"
    assert (share / "package.xml").is_file()
    assert (share / "launch" / "swimmer_ncap.launch.py").is_file()
    assert (share / "config" / "swimmer_ncap.yaml").is_file()
    index = install / "share" / "ament_index" / "resource_index" / "packages" / "nervecord"
    assert index.is_file()  # what makes ROS 2 tools find the package
    site = next(install.glob("lib/python3*/site-packages"))
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import nervecord.envs, nervecord.controllers; print(nervecord.envs.__file__)",
        ],
        env={**os.environ, "PYTHONPATH": str(site)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert probe.returncode == 0, probe.stderr
    assert str(site) in probe.stdout
