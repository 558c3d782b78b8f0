"""Oscar's side of `npm run bench:multi` (scripts/bench/multi.ts): workers of the Python client.

usage: multi_workers.py --url URL --token TOKEN [--system oscar] [--algorithm auto] [--problems ...]
                        [--seeds 0,1,...] [--trials 100] [--workers 1] [--tag run1]

Each run is a new experiment (the problem's parameters, its objectives to minimise, its constraints,
the algorithm and the seed) and WORKERS threads sharing it, each with its own client, looping suggest,
evaluate, update until TRIALS trials have been handed out. At the end it asks the server for the
experiment's Pareto front (`pareto_front`): its hypervolume must be that of the results (multi.ts checks).
Prints one JSON line per run (multi_problems.run_line).
"""

import argparse
import time

from multi_problems import Log, add_run_arguments, hypervolume, print_runs, run_line
from Oscar import Oscar
from pruning_problems import run_threads


def run(args, problem, seed):
    names = list(problem["parameters"])
    experiment = {"name": "multi-%s-%s-%s-w%d-s%d" % (args.tag, args.system, problem["name"], args.workers, seed),
                  "parameters": problem["parameters"], "objectives": {name: "minimize" for name in problem["objectives"]},
                  "constraints": problem["constraints"], "algorithm": args.algorithm, "seed": seed}
    log = Log(args.trials)
    clients = [Oscar(args.token, url=args.url, worker="w%d" % i) for i in range(args.workers)]
    log.claim()
    first = clients[0].suggest(experiment)  # creates the experiment before the other workers ask

    def work(index):
        client, job = clients[index], first if index == 0 else None
        try:
            while job is not None or log.claim():
                job = job or client.suggest(experiment)
                params = {name: job[name] for name in names}
                result = problem["evaluate"](params)
                client.update(job, result)
                log.add(problem, params, result)
                job = None
        except Exception as error:  # noqa: BLE001 - recorded in the run's line, which multi.ts shows
            log.errors.append(repr(error)[:300])

    t0 = time.perf_counter()
    run_threads(args.workers, work)
    seconds = time.perf_counter() - t0
    front = [[t["metrics"][name] for name in problem["objectives"]] for t in clients[0].pareto_front(experiment["name"])]
    for client in clients:
        client.close()
    return run_line(args.system, args.workers, problem, seed, log, seconds, server_front_hypervolume=hypervolume(front, problem["reference"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--system", default="oscar", help="the name of this configuration in the results")
    ap.add_argument("--algorithm", default="auto")
    add_run_arguments(ap)
    ap.add_argument("--tag", default=str(int(time.time())))
    args = ap.parse_args()
    print_runs(args, run)


if __name__ == "__main__":
    main()
