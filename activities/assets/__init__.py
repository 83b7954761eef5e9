"""The asset pipeline activities: plan a run, materialise one asset, record the run's end."""
