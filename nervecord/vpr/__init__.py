"""Place recognition: metrics, SAD baseline, plots, checkpoints, commands and demo."""
