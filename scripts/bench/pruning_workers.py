"""Oscar's side of `npm run bench:pruning` (scripts/bench/pruning.ts): runs of the learning-curve
problems (pruning_problems.py) through Oscar's Python client, as a user's training loop would.

usage: pruning_workers.py --url URL --token T --pruner JSON --system NAME [--algorithm auto]
                          [--problems sim_curve,mlp_sgd] [--seeds 0,1,...] [--budget 1000] [--workers 1]
                          [--tag run1]

Each run is a new experiment (the pruner and the seed set on it) and WORKERS threads sharing it, each
with its own client: suggest, then report steps 1..steps-1 (stopping when the pruner says so) and send
the last step's value with update, until the run has spent BUDGET steps in all (the trials running then
stop unfinished). Prints one JSON line per run (pruning_problems.run_line), with each trial's start (steps
spent by the run), the steps it ran, how it ended and its parameters in `log` (read by pruning_trials.py).
"""

import argparse
import json
import time

from Oscar import Oscar
from pruning_problems import PROBLEMS, Budget, run_line, run_threads


def run(args, pruner, problem, seed):
    names = list(problem["parameters"])
    if isinstance(pruner, dict) and pruner.get("type") == "hyperband" and pruner.get("max_step") == "steps":
        pruner = dict(pruner, max_step=problem["steps"])  # the problem's trial length
    experiment = {"name": "pruning-%s-%s-%s-w%d-s%d" % (args.tag, args.system, problem["name"], args.workers, seed),
                  "parameters": problem["parameters"], "algorithm": args.algorithm, "seed": seed, "pruner": pruner}
    budget = Budget(args.budget)
    clients = [Oscar(args.token, url=args.url, worker="w%d" % i) for i in range(args.workers)]
    first = clients[0].suggest(experiment)  # creates the experiment before the other workers ask

    def work(index):
        client, job = clients[index], first if index == 0 else None
        try:
            while budget.left():
                job = job or client.suggest(experiment)
                budget.started()
                params = {name: job[name] for name in names}
                start, ran = budget.spent, 0
                for step, value in enumerate(problem["curve"](params, seed), start=1):
                    if not budget.take():
                        budget.ended(start, ran, "cut", params)
                        return
                    ran = step
                    if step == problem["steps"]:
                        client.update(job, {"loss": value})
                        budget.finish(value, params)
                        budget.ended(start, ran, "finished", params)
                    elif client.report(job, step, value):
                        budget.stopped()
                        budget.ended(start, ran, "pruned", params)
                        break
                job = None
        except Exception as error:  # noqa: BLE001 - recorded in the run's line, which pruning.ts shows
            budget.errors.append(repr(error)[:300])

    t0 = time.perf_counter()
    run_threads(args.workers, work)
    seconds = time.perf_counter() - t0
    for client in clients:
        client.close()
    return run_line(args.system, args.workers, problem, seed, budget, seconds)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--pruner", required=True, help="the experiment's pruner, as JSON")
    ap.add_argument("--system", required=True, help="the name of this configuration in the results")
    ap.add_argument("--algorithm", default="auto")
    ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--seeds", default="0,1,2,3,4,5,6,7,8,9")
    ap.add_argument("--budget", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--tag", default=str(int(time.time())))
    args = ap.parse_args()
    pruner = json.loads(args.pruner)
    for name in args.problems.split(","):
        for seed in [int(s) for s in args.seeds.split(",")]:
            print(run(args, pruner, PROBLEMS[name], seed), flush=True)


if __name__ == "__main__":
    main()
