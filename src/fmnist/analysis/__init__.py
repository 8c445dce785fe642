"""Analysis: evaluation, error analysis, label noise, calibration, experiments, exploration, baselines, figures, renders."""
