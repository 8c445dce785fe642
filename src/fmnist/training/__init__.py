"""Training: recipes, the builders, the trainer and its callbacks, weight averaging, the whitening start, resume, distribution."""
