"""Analysis: questions asked of runs and of many runs, above the results.

* :mod:`~sim.analysis.decision_support`: thresholds, robustness ranking,
  conditional views on branches, legal status over time;
* :mod:`~sim.analysis.sweep`: sweep files, designs, points run on the engine,
  sensitivity indices;
* :mod:`~sim.analysis.discovery`: scenario discovery (PRIM) on a sweep;
* :mod:`~sim.analysis.backtest`: a run's forecasts against what was observed,
  with :mod:`~sim.analysis.lawsuits` (the run's simulated suits, from its
  event log) and :mod:`~sim.analysis.scoring` (proper scoring rules).
"""
