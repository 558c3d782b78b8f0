"""Oscar's side of `npm run bench:conditional` (scripts/bench/conditional.ts): workers of the Python client.

usage: conditional_workers.py --url URL --token TOKEN [--algorithm auto] [--problems ...]
                              [--seeds 0,1,...] [--trials 60] [--workers 1] [--tag run1]

Each run is a new experiment (the problem's tree of parameters, the algorithm and the seed) and WORKERS
threads sharing it, each with its own client, looping suggest, evaluate, update until TRIALS trials have
been handed out. Every job is checked against the tree: it must hold exactly the active parameters,
each within its spec (conditional_problems.violations); a faulty job is counted in the run's line
(and still evaluated on its active parameters when it can be). Prints one JSON line per run
(conditional_problems.run_line).
"""

import argparse
import time

from conditional_problems import Log, add_run_arguments, print_runs, run_line, violations
from Oscar import Oscar
from pruning_problems import run_threads


def run(args, problem, seed):
    experiment = {"name": "conditional-%s-%s-%s-w%d-s%d" % (args.tag, args.algorithm, problem["name"], args.workers, seed),
                  "parameters": problem["parameters"], "algorithm": args.algorithm, "seed": seed}
    log = Log(args.trials)
    clients = [Oscar(args.token, url=args.url, worker="w%d" % i) for i in range(args.workers)]
    log.claim()
    first = clients[0].suggest(experiment)  # creates the experiment before the other workers ask

    def work(index):
        client, job = clients[index], first if index == 0 else None
        try:
            while job is not None or log.claim():
                job = job or client.suggest(experiment)
                params = dict(job)
                wrong = violations(problem["parameters"], params)
                if wrong:
                    log.violations.append("trial %s: %s" % (getattr(job, "number", "?"), ", ".join(wrong)))
                loss = problem["evaluate"](params)
                client.update(job, {"loss": loss})
                log.add(loss, params)
                job = None
        except Exception as error:  # noqa: BLE001 - recorded in the run's line, which conditional.ts shows
            log.errors.append(repr(error)[:300])

    t0 = time.perf_counter()
    run_threads(args.workers, work)
    seconds = time.perf_counter() - t0
    for client in clients:
        client.close()
    return run_line("oscar-" + args.algorithm, args.workers, problem, seed, log, seconds)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--algorithm", default="auto")
    add_run_arguments(ap)
    ap.add_argument("--tag", default=str(int(time.time())))
    args = ap.parse_args()
    print_runs(args, run)


if __name__ == "__main__":
    main()
