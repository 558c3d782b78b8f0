"""Where the steps of `npm run bench:pruning` runs went, trial by trial: reads the runs' JSON lines
(pruning.jsonl, with the per-trial `log` pruning_workers.py writes) and, per problem, workers and system,
prints medians across seeds of how the steps split between trials that finished, were pruned (and at
which step) or were cut by the budget, and how good the configurations the optimizer proposed really
were: each trial's true final value (sim_curve: its known formula; mlp_sgd: the model trained for all 50
epochs with the run's seed), so that a pruner's mistakes (good configurations stopped) and the
optimizer's (no good configuration proposed) can be told apart.

usage: pruning_trials.py FILE.jsonl [--at 200,400,600]
"""

import argparse
import json
import statistics
from collections import defaultdict

from pruning_problems import PROBLEMS, sim_final

_FINALS = {}


def true_final(problem, params, seed):
    if problem == "sim_curve":
        return sim_final(params)
    key = (json.dumps(params, sort_keys=True), seed)
    if key not in _FINALS:
        *_, last = PROBLEMS[problem]["curve"](params, seed)
        _FINALS[key] = last
    return _FINALS[key]


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--at", default="200,400,600")
    args = ap.parse_args()
    at = [int(s) for s in args.at.split(",")]
    runs = [json.loads(line) for line in open(args.file) if line.strip()]
    optimum = {}
    for run in runs:
        best = min((f[1] for f in run["finished"]), default=float("inf"))
        known = run["optimum"]
        optimum[run["problem"]] = known if known is not None else min(optimum.get(run["problem"], float("inf")), best)
    groups = defaultdict(list)
    for run in runs:
        groups[(run["problem"], run["workers"], run["system"])].append(run)
    # none's final regret per (problem, workers, seed), the target asha must reach
    target = {}
    for (problem, workers, system), mine in groups.items():
        if system == "oscar-none":
            for run in mine:
                target[(problem, workers, run["seed"])] = min(f[1] for f in run["finished"]) - optimum[problem]
    for (problem, workers, system), mine in sorted(groups.items()):
        stats = defaultdict(list)
        for run in mine:
            opt = optimum[problem]
            log = run.get("log", [])
            total = sum(t[1] for t in log) or 1
            for outcome in ("finished", "pruned", "cut"):
                stats["steps " + outcome].append(sum(t[1] for t in log if t[2] == outcome) / total)
            pruned_at = [t[1] for t in log if t[2] == "pruned"]
            for lo, hi, name in ((1, 5, "<=5"), (6, 15, "6-15"), (16, 45, "16-45"), (46, 50, ">45")):
                stats["pruned at " + name].append(sum(1 for s in pruned_at if lo <= s <= hi))
            trues = [(t[0], true_final(problem, t[3], run["seed"]) - opt, t[2]) for t in log]
            fin = [r for s, r, o in trues if o == "finished"]
            stats["best finished regret"].append(min(fin) if fin else None)
            stats["best proposed regret (true)"].append(min(r for s, r, o in trues))
            best_fin = min(fin) if fin else float("inf")
            stats["pruned better than best finished"].append(sum(1 for s, r, o in trues if o == "pruned" and r < best_fin))
            for a in at:
                started = [r for s, r, o in trues if s < a]
                stats["best proposed by %d" % a].append(min(started) if started else None)
                stats["median proposed %d-%d" % (a - at[0], a)].append(med([r for s, r, o in trues if a - at[0] <= s < a]))
            goal = target.get((problem, workers, run["seed"]))
            if goal is not None:
                firsts = [s for s, r, o in sorted(trues) if r <= goal]
                stats["first proposal at none's regret (step)"].append(firsts[0] if firsts else None)
                done = [f[0] for f in sorted(run["finished"]) if f[1] - opt <= goal]
                stats["first finish at none's regret (step)"].append(done[0] if done else None)
        print("\n%s, %d worker(s), %s (%d seeds; medians)" % (problem, workers, system, len(mine)))
        for name, values in stats.items():
            print("  %-42s %s   [%s]" % (name, "%.4g" % med(values), ", ".join("-" if v is None else "%.3g" % v for v in values)))


if __name__ == "__main__":
    main()
