"""Optuna's side of `npm run bench:pruning` (scripts/bench/pruning.ts): the same learning-curve
problems, seeds and step budget with Optuna 3.1 (Debian's python3-optuna) and its TPE sampler.

usage: pruning_optuna.py --pruner median|sha|hyperband|none [--problems ...] [--seeds 0,1,...]
                         [--budget 1000] [--workers 1]

Pruners set as Oscar's of the same kind: MedianPruner() (n_startup_trials 5, no warm-up: Optuna's
defaults); SuccessiveHalvingPruner(min_resource=1, reduction_factor=3) (Oscar's asha defaults; Optuna's
own are 'auto' and 4); HyperbandPruner(min_resource=1, max_resource=steps, reduction_factor=3).
TPESampler(seed=SEED) with its defaults. WORKERS threads share one in-memory study (as Optuna's
n_jobs does), each doing ask, report/should_prune for steps 1..steps-1 and tell, until the run has
spent BUDGET steps. Prints one JSON line per run (pruning_problems.run_line).
"""

import argparse
import time

import optuna
from optuna.trial import TrialState
from pruning_problems import PROBLEMS, Budget, run_line, run_threads

optuna.logging.set_verbosity(optuna.logging.ERROR)

# Each made for a problem: hyperband's largest resource is the problem's trial length.
PRUNERS = {
    "median": lambda steps: optuna.pruners.MedianPruner(),
    "sha": lambda steps: optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3),
    "hyperband": lambda steps: optuna.pruners.HyperbandPruner(min_resource=1, max_resource=steps, reduction_factor=3),
    "none": lambda steps: optuna.pruners.NopPruner(),
}


def suggest(trial, name, spec):
    """A parameter in Oscar's format (pruning_problems.py's kinds) through Optuna's trial API."""
    if isinstance(spec, list):
        return trial.suggest_categorical(name, spec)
    if "step" in spec:
        return trial.suggest_int(name, spec["min"], spec["max"], step=spec["step"])
    return trial.suggest_float(name, spec["min"], spec["max"], log=spec.get("distribution") == "log_uniform")


def run(args, problem, seed):
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed), pruner=PRUNERS[args.pruner](problem["steps"]))
    budget = Budget(args.budget)

    def work(_index):
        try:
            while budget.left():
                trial = study.ask()
                budget.started()
                params = {name: suggest(trial, name, spec) for name, spec in problem["parameters"].items()}
                for step, value in enumerate(problem["curve"](params, seed), start=1):
                    if not budget.take():
                        return
                    if step == problem["steps"]:
                        study.tell(trial, value)
                        budget.finish(value, params)
                        break
                    trial.report(value, step)
                    if trial.should_prune():
                        study.tell(trial, state=TrialState.PRUNED)
                        budget.stopped()
                        break
        except Exception as error:  # noqa: BLE001 - recorded in the run's line, which pruning.ts shows
            budget.errors.append(repr(error)[:300])

    t0 = time.perf_counter()
    run_threads(args.workers, work)
    return run_line("optuna-" + args.pruner, args.workers, problem, seed, budget, time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pruner", required=True, choices=sorted(PRUNERS))
    ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--seeds", default="0,1,2,3,4,5,6,7,8,9")
    ap.add_argument("--budget", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    for name in args.problems.split(","):
        for seed in [int(s) for s in args.seeds.split(",")]:
            print(run(args, PROBLEMS[name], seed), flush=True)


if __name__ == "__main__":
    main()
