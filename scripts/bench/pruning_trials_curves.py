"""The pruned trials of `npm run bench:pruning` runs (their per-trial `log`), each as the curve it
reported up to the step it was stopped at and its true final value (the rest of its curve), as JSON on
stdout: [{problem, workers, system, seed, curve: [...], final}], read by pruning_extrapolation.ts --runs.

usage: pruning_trials_curves.py FILE.jsonl [--system oscar-asha]
"""

import argparse
import json

from pruning_problems import PROBLEMS


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--system", default="oscar-asha")
    args = ap.parse_args()
    out = []
    for line in open(args.file):
        if not line.strip():
            continue
        run = json.loads(line)
        if run["system"] != args.system:
            continue
        for start, steps, outcome, params in run.get("log", []):
            if outcome != "pruned":
                continue
            curve = list(PROBLEMS[run["problem"]]["curve"](params, run["seed"]))
            out.append(dict(problem=run["problem"], workers=run["workers"], seed=run["seed"], start=start,
                            curve=curve[:steps], final=curve[-1]))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
