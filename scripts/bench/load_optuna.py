"""Optuna's side of `npm run bench:load` (scripts/bench/load.ts), with Debian's python3-optuna.

usage:
  load_optuna.py seed STORAGE STUDY HISTORY
      creates the study (TPE, minimise) with HISTORY completed trials of the same 6-parameter sphere
  load_optuna.py work STORAGE STUDY WARMUP MEASURE
      one worker process: prints "ready", waits for a line on stdin, then loops ask -> tell with TPE
      for WARMUP + MEASURE seconds; prints one JSON line like scripts/bench/load_workers.py

STORAGE is an SQLAlchemy URL (postgresql+psycopg2://... or sqlite:///...), Optuna's RDB storage.
"""

import json
import random
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
NAMES = ["x%d" % i for i in range(6)]


def storage(url):
    # SQLite: wait for the write lock like Oscar does, instead of failing at once.
    # PostgreSQL: one pooled connection per process (a second only while Optuna opens the storage), so
    # 64 processes fit within the server's default max_connections (100) when they start in groups
    # (load.ts).
    kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {"pool_size": 1, "max_overflow": 1}
    return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)


def seed(url, study_name, history):
    study = optuna.create_study(storage=storage(url), study_name=study_name, direction="minimize")
    distributions = {name: optuna.distributions.FloatDistribution(-5, 5) for name in NAMES}
    rng = random.Random(7)
    trials = []
    for _ in range(history):
        params = {name: rng.uniform(-5, 5) for name in NAMES}
        trials.append(optuna.trial.create_trial(params=params, distributions=distributions, value=sum(v * v for v in params.values())))
    study.add_trials(trials)


def work(url, study_name, warmup, measure):
    study = optuna.load_study(study_name=study_name, storage=storage(url), sampler=optuna.samplers.TPESampler())
    print("ready", flush=True)
    sys.stdin.readline()
    start = time.monotonic()
    window_start, deadline = start + warmup, start + warmup + measure
    ask_ms, tell_ms, errors = [], [], []
    results = 0
    while time.monotonic() < deadline:
        try:
            t0 = time.monotonic()
            trial = study.ask()
            params = [trial.suggest_float(name, -5, 5) for name in NAMES]
            t1 = time.monotonic()
            study.tell(trial, sum(v * v for v in params))
            t2 = time.monotonic()
        except Exception as exc:  # counted and shown: SQLite's lock under many writers, for example
            errors.append(str(exc)[:200])
            continue
        if t0 >= window_start and t2 <= deadline:
            ask_ms.append((t1 - t0) * 1000)
            tell_ms.append((t2 - t1) * 1000)
            results += 1
    print(json.dumps({
        "results": results,
        "seconds": min(time.monotonic(), deadline) - window_start,
        "suggest": ask_ms,
        "update": tell_ms,
        "errors": errors[:5],
        "errorCount": len(errors),
    }), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "seed":
        seed(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        work(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]))
