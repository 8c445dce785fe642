"""``make bench``: train recipes from scratch in fresh processes and report their costs in S.

:mod:`~fmnist.tools.bench.runs` plans and launches the runs, :mod:`~fmnist.tools.bench.timing`
times inference and the exported files, :mod:`~fmnist.tools.bench.costs` turns seconds into S,
:mod:`~fmnist.tools.bench.machine` names the CPU, :mod:`~fmnist.tools.bench.results` writes and finds
the results files in ``bench/results/``, and :mod:`~fmnist.tools.bench.report` renders their table
and README's block.
"""
