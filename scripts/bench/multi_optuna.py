"""Optuna's side of `npm run bench:multi` (scripts/bench/multi.ts): the same problems, seeds and trial
budget with Optuna 3.1 (Debian's python3-optuna) and one of its multi-objective samplers.

usage: multi_optuna.py --sampler nsga2|motpe [--problems ...] [--seeds 0,1,...] [--trials 100] [--workers 1]

Samplers with Optuna's defaults and the run's seed: NSGAIISampler(seed=SEED) (population 50) and
TPESampler(seed=SEED) on a study with two directions (multi-objective TPE; independent, 10 random
start-up trials); both get the problem's constraints through `constraints_func` (each slack <= 0 when
met, stored on the trial before `tell`). WORKERS threads share one in-memory study, each looping ask,
evaluate, tell (what `study.optimize(n_jobs=WORKERS)` does), until TRIALS trials have been asked for.
Prints one JSON line per run (multi_problems.run_line).
"""

import argparse
import time
import warnings

import optuna
from multi_problems import Log, add_run_arguments, print_runs, run_line, slacks
from pruning_optuna import suggest
from pruning_problems import run_threads

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)  # constraints_func


def _constraints(trial):
    return trial.user_attrs["slacks"]


SAMPLERS = {
    "nsga2": lambda seed, constrained: optuna.samplers.NSGAIISampler(seed=seed, constraints_func=_constraints if constrained else None),
    "motpe": lambda seed, constrained: optuna.samplers.TPESampler(seed=seed, constraints_func=_constraints if constrained else None),
}


def run(args, problem, seed):
    sampler = SAMPLERS[args.sampler](seed, bool(problem["constraints"]))
    study = optuna.create_study(directions=["minimize"] * len(problem["objectives"]), sampler=sampler)
    log = Log(args.trials)

    def work(_index):
        try:
            while log.claim():
                trial = study.ask()
                params = {name: suggest(trial, name, spec) for name, spec in problem["parameters"].items()}
                result = problem["evaluate"](params)
                trial.set_user_attr("slacks", slacks(problem, result))
                study.tell(trial, [result[name] for name in problem["objectives"]])
                log.add(problem, params, result)
        except Exception as error:  # noqa: BLE001 - recorded in the run's line, which multi.ts shows
            log.errors.append(repr(error)[:300])

    t0 = time.perf_counter()
    run_threads(args.workers, work)
    return run_line("optuna-" + args.sampler, args.workers, problem, seed, log, time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sampler", required=True, choices=sorted(SAMPLERS))
    add_run_arguments(ap)
    args = ap.parse_args()
    print_runs(args, run)


if __name__ == "__main__":
    main()
