"""Curves of random configurations of the pruning benchmark's problems (pruning_problems.py), as JSON on
stdout: {problem: [[value at step 1, ..., final value], ...]}; read by pruning_extrapolation.ts.

usage: pruning_curves.py [--count 150] [--seed 5]
"""

import argparse
import json
import math

import numpy as np

from pruning_problems import PROBLEMS


def sample(parameters, rng):
    params = {}
    for name, spec in parameters.items():
        if isinstance(spec, list):
            params[name] = spec[int(rng.integers(len(spec)))]
        elif spec.get("distribution") == "log_uniform":
            params[name] = float(math.exp(rng.uniform(math.log(spec["min"]), math.log(spec["max"]))))
        elif "step" in spec:
            params[name] = int(rng.integers(spec["min"], spec["max"] + 1))
        else:
            params[name] = float(rng.uniform(spec["min"], spec["max"]))
    return params


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=150)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    print(json.dumps({name: [list(problem["curve"](sample(problem["parameters"], rng), 0)) for _ in range(args.count)]
                      for name, problem in PROBLEMS.items()}))


if __name__ == "__main__":
    main()
