"""nervecord: controllers copied from nervous systems, for simulated and real robots."""

__version__ = "0.1.0"
