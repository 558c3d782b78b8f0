"""The regret of the configuration a pruning run would recommend, judged by its expected final value,
not by the one noisy training run that made it the best.

`mlp_sgd`'s final value is one training run's validation loss: trained again with other seeds, the
same configuration ends 0.015-0.02 higher or lower (standard deviation). The benchmark's regret, the
best final value a run observed, so rewards lucky draws, and a run that finishes more trials (no
pruning finishes 60 in 3,000 steps, `asha` a median of 18.5 in the 20-seed runs) draws more of them. Here each run's incumbent at
every step (its finished trial with the lowest observed final value, the one a user would pick) is
judged instead by the mean final value of its configuration over `--eval-seeds` fresh training runs
(seeds 1000, 1001, ...), and the regret is that mean less the lowest such mean of any incumbent of any
run read (the optimum is not known).

usage: python3 scripts/bench/pruning_true_regret.py RUNS.jsonl [--problem mlp_sgd] [--eval-seeds 8]
         [--at 600,1000,1500,2000,3000] [--jobs 2]
Prints, per system and workers, the median over seeds of that regret at the `--at` steps and at the
end, and the steps at which each other system's median reaches `oscar-none`'s final one, with the
spread of that ratio over resamples of the seeds (the optimum, the lowest of many noisy means, is
biased low, so compare steps, not ratios of regrets).
"""

import argparse
import json
import math
from multiprocessing import Pool

import numpy as np

from pruning_problems import PROBLEMS

GRID = 5  # steps between the points of the regret curves
BOOTSTRAP = 1000  # resamples of the seeds for the spread of the steps ratio


def _expected(task):
    problem, params, seeds = task
    spec = PROBLEMS[problem]
    finals = []
    for seed in seeds:
        value = None
        for value in spec["curve"](params, seed):
            pass
        finals.append(value)
    return float(np.mean(finals))


def incumbents(run):
    """[(steps spent when it became the incumbent, params)] in order: each finished trial that lowered the best observed value."""
    best = math.inf
    found = []
    for steps, value, params in sorted(run["finished"], key=lambda f: f[0]):
        if value < best:
            best = value
            found.append((steps, params))
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs")
    ap.add_argument("--problem", default="mlp_sgd")
    ap.add_argument("--eval-seeds", type=int, default=8)
    ap.add_argument("--at", default="600,1000,1500,2000,3000")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    runs = [json.loads(line) for line in open(args.runs) if line.strip()]
    runs = [r for r in runs if r["problem"] == args.problem and isinstance(r["finished"], list)]
    if not runs:
        raise SystemExit("no runs of %s with their finished trials in %s" % (args.problem, args.runs))
    seeds = list(range(1000, 1000 + args.eval_seeds))
    keys = {}
    for run in runs:
        for _, params in incumbents(run):
            keys.setdefault(json.dumps(params, sort_keys=True), params)
    with Pool(args.jobs) as pool:
        means = pool.map(_expected, [(args.problem, params, seeds) for params in keys.values()])
    expected = dict(zip(keys, means))
    optimum = min(means)
    budget = max(r["budget"] for r in runs)
    grid = list(range(0, budget + 1, GRID))

    curves = {}
    for run in runs:
        line = []
        steps_and_regret = [(s, expected[json.dumps(p, sort_keys=True)] - optimum) for s, p in incumbents(run)]
        for step in grid:
            now = [r for s, r in steps_and_regret if s <= step]
            line.append(now[-1] if now else math.inf)
        curves.setdefault((run["system"], run["workers"]), []).append(line)

    at = [int(s) for s in args.at.split(",") if s]
    print("%s: %d configurations judged by their mean final value over %d fresh seeds; optimum (lowest mean) %.4f"
          % (args.problem, len(keys), len(seeds), optimum))
    print("| system | workers | seeds | %s | final |" % " | ".join("at %d" % s for s in at))
    print("|---|---|---|%s---|" % ("---|" * len(at)))
    medians = {}
    for (system, workers), lines in sorted(curves.items()):
        median = np.median(np.array(lines), axis=0)
        medians[(system, workers)] = median
        cells = [median[min(len(grid) - 1, s // GRID)] for s in at]
        print("| %s | %d | %d | %s | %.4g |" % (system, workers, len(lines), " | ".join("%.4g" % c for c in cells), median[-1]))
    rng = np.random.default_rng(0)
    for (system, workers), median in sorted(medians.items()):
        none = medians.get(("oscar-none", workers))
        if system == "oscar-none" or none is None:
            continue
        mine, theirs = steps_ratio(median, none, grid)
        ratio = "%.2fx" % (theirs / mine) if mine and theirs else "never"
        # The spread of that ratio over the seeds: medians of seeds drawn again with replacement.
        ours, others = np.array(curves[(system, workers)]), np.array(curves[("oscar-none", workers)])
        ratios = []
        for _ in range(BOOTSTRAP):
            a = np.median(ours[rng.integers(0, len(ours), len(ours))], axis=0)
            b = np.median(others[rng.integers(0, len(others), len(others))], axis=0)
            m, t = steps_ratio(a, b, grid)
            ratios.append(t / m if m and t else 0.0)
        low, high = np.percentile(ratios, [10, 90])
        print("- %s, %d worker(s): reaches oscar-none's final regret (%.4g) at %s steps, oscar-none at %s: %s"
              " (10th-90th percentile over %d resamples of the seeds: %.2fx-%.2fx, 0 for never)"
              % (system, workers, none[-1], mine, theirs, ratio, BOOTSTRAP, low, high))


def steps_ratio(curve, none, grid):
    """The steps at which `curve` and `none` first reach `none`'s final value (None for never)."""
    target = none[-1]
    reach = lambda line: next((grid[i] for i, v in enumerate(line) if v <= target), None)
    return reach(curve), reach(none)


if __name__ == "__main__":
    main()
