"""The engine: runs a model plan over many replications, in batches, on local or Dask workers.

Above the model, below the results.

* :mod:`~sim.engine.runner`: :func:`~sim.engine.runner.simulate` splits the
  replications into batches, runs them and gathers their outcomes;
* :mod:`~sim.engine.executors`: where batches run (here, local processes, a
  Dask cluster);
* :mod:`~sim.engine.store`: arrays and event logs spilled to disk when a run
  outgrows memory;
* :mod:`~sim.engine.limits`: the run's estimated size against the caps on
  memory and time;
* :mod:`~sim.engine.precision`: runs that add replications until the headline
  means are precise enough.
"""
