"""The progress log of a training run: return against env steps, as CSV."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

PROGRESS = "progress.csv"


class ProgressLog:
    """Appends rows to progress.csv, flushing each, and trims rows past a resume point."""

    def __init__(self, path: Path, fields: list[str], resume_steps: int | None = None) -> None:
        self.path, self.fields = path, fields
        rows: list[dict[str, str]] = []
        if resume_steps is not None and path.exists():
            with open(path, newline="") as handle:
                rows = [r for r in csv.DictReader(handle) if int(r["env_steps"]) <= resume_steps]
        with open(path, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)

    def append(self, row: dict[str, Any]) -> None:
        with open(self.path, "a", newline="") as handle:
            csv.DictWriter(handle, fieldnames=self.fields, extrasaction="ignore").writerow(row)


def read_progress(path: str | Path) -> list[dict[str, float]]:
    """Rows of a progress.csv as floats."""
    with open(path, newline="") as handle:
        return [{k: float(v) for k, v in row.items() if v != ""} for row in csv.DictReader(handle)]
