"""Benchmark the seed's baseline against the default recipe on this machine (`make bench`).

Writes bench/results/<date>-<host>.json and .md, prints the table, and regenerates README's
results table from the newest results file.
"""

import argparse

from fmnist.benchmark import benchmark, latest_results, render_table, update_readme, write_results

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("models", nargs="*", default=["baseline", "vgg_bn"], help="recipes to benchmark")
args = parser.parse_args()

path = write_results(benchmark(args.models))
print(f"\nWrote {path}\n")
print(render_table(latest_results()))
update_readme(latest_results())
