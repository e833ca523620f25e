# Set-up and entry points. `make demo` and `make test` each create .venv when needed
# (a second run reuses it), install the pinned dependencies, then do their job.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# colcon in a venv of its own: colcon-core needs setuptools < 80.
COLCON_VENV := .venv-colcon
COLCON := $(COLCON_VENV)/bin/colcon
APT_PACKAGES := libegl1 libgl1-mesa-dri libosmesa6 libglib2.0-0
export MUJOCO_GL ?= egl
export PYOPENGL_PLATFORM ?= egl
# ROS 2 discovery never leaves the machine.
export ROS_AUTOMATIC_DISCOVERY_RANGE := LOCALHOST

.PHONY: demo test lint bench clean system-deps venv

demo: venv
	$(BIN)/nervecord demo --out runs/demo

test: venv $(COLCON)
	NERVECORD_COLCON=$(COLCON) $(BIN)/python -m pytest -q tests

lint: venv
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: venv
	$(BIN)/nervecord bench sim --json runs/bench_sim.json

venv: system-deps $(STAMP)

# Headless rendering needs EGL (or OSMesa) and Mesa's software drivers.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing; \
	fi

$(STAMP): setup.py setup.cfg constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[test,ros]"
	$(BIN)/python -c "import torch, mujoco, gymnasium, rclpy, nervecord.envs"
	touch $(STAMP)

$(COLCON):
	$(PYTHON) -m venv $(COLCON_VENV)
	$(COLCON_VENV)/bin/python -m pip install -q colcon-common-extensions "setuptools<80"

clean:
	rm -rf $(VENV) $(COLCON_VENV) build install log *.egg-info
