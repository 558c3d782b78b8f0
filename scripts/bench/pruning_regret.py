"""Median regret at fixed step counts, and steps to `oscar-none`'s final regret, from a pruning run file.

`npm run bench:pruning` takes `mlp_sgd`'s optimum as the best final value of the runs in that file, so
figures from different runs do not compare; this script takes it as a fixed value (0.497 by default,
the best any run of the benchmark has reached), as the README's tables of `asha` at 600 and 3,000 steps do.

usage: python3 scripts/bench/pruning_regret.py RESULTS/pruning.jsonl [MLP_SGD_OPTIMUM]
"""
import json
import statistics
import sys


def regret_curve(run, optimum):
    """The run's regret after each step 0..budget: best final value of a finished trial so far minus the optimum."""
    curve = [float('inf')] * (run['budget'] + 1)
    best = float('inf')
    finished = sorted(run['finished'], key=lambda f: f[0])
    k = 0
    for s in range(run['budget'] + 1):
        while k < len(finished) and finished[k][0] <= s:
            best = min(best, finished[k][1])
            k += 1
        curve[s] = best - optimum
    return curve


def median_curve(curves):
    return [statistics.median(values) for values in zip(*curves)]


def steps_to(curve, target):
    return next((s for s, v in enumerate(curve) if v <= target), None)


def main():
    runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    mlp_optimum = float(sys.argv[2]) if len(sys.argv) > 2 else 0.497
    groups = {}
    for run in runs:
        optimum = run['optimum'] if run['optimum'] is not None else mlp_optimum
        groups.setdefault((run['problem'], run['workers'], run['system']), []).append(regret_curve(run, optimum))
    for (problem, workers, system), curves in sorted(groups.items()):
        curve = median_curve(curves)
        at = ' '.join(f'@{s}: {curve[s]:.3g}' for s in (400, 600, 1000, 1500, 3000) if s < len(curve))
        line = f'{problem} {workers} worker(s) {system} ({len(curves)} seeds) {at}'
        none = groups.get((problem, workers, 'oscar-none'))
        if none:
            none_curve = median_curve(none)
            target = none_curve[-1]
            line += f"; steps to none's final {target:.3g}: {steps_to(curve, target)} (none {steps_to(none_curve, target)})"
        print(line)


if __name__ == '__main__':
    main()
