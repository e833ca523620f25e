"""Training nervecord controllers: batched evolution strategies, PPO, runs and the NCAP study."""
