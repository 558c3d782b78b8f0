"""Optuna's side of `npm run bench:conditional` (scripts/bench/conditional.ts): the same conditional
problems, seeds and trial budget with Optuna 3.1 (Debian's python3-optuna) and its TPE sampler.

usage: conditional_optuna.py --sampler tpe|tpe_mv [--problems ...] [--seeds 0,1,...] [--trials 60] [--workers 1]

The space is define-by-run: each trial suggests the top-level parameters and the choice, then only
the chosen branch's parameters, under the keys Oscar gives them (`svm.C`), parent first
(conditional_problems.assign). Samplers: TPESampler(seed=SEED) with its defaults (`tpe`: independent,
10 random start-up trials) and TPESampler(multivariate=True, group=True, seed=SEED) (`tpe_mv`: a joint
density per group of parameters that occur together, Optuna's way with conditional spaces). WORKERS
threads share one in-memory study, each looping ask, evaluate, tell (what `study.optimize(n_jobs=WORKERS)`
does), until TRIALS trials have been asked for. Prints one JSON line per run (conditional_problems.run_line).
"""

import argparse
import time
import warnings

import optuna
from conditional_problems import Log, add_run_arguments, assign, print_runs, run_line
from pruning_optuna import suggest
from pruning_problems import run_threads

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)  # multivariate, group

SAMPLERS = {
    "tpe": lambda seed: optuna.samplers.TPESampler(seed=seed),
    "tpe_mv": lambda seed: optuna.samplers.TPESampler(multivariate=True, group=True, seed=seed),
}


def run(args, problem, seed):
    study = optuna.create_study(direction="minimize", sampler=SAMPLERS[args.sampler](seed))
    log = Log(args.trials)

    def work(_index):
        try:
            while log.claim():
                trial = study.ask()
                params = assign(problem["parameters"], lambda key, spec: suggest(trial, key, spec))
                loss = problem["evaluate"](params)
                study.tell(trial, loss)
                log.add(loss, params)
        except Exception as error:  # noqa: BLE001 - recorded in the run's line, which conditional.ts shows
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
