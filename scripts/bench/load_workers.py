"""Worker threads of the Python client for `npm run bench:load` (scripts/bench/load.ts).

usage: load_workers.py TOKEN NAME ALGORITHM THREADS WARMUP MEASURE MAX_TRIALS URL [URL ...]

Starts THREADS threads, each with its own client (its own keep-alive connection), spread over the
URLs in turn. Prints "ready", waits for a line on stdin, then loops suggest -> update (the loss of a
6-parameter sphere, computed at once) for WARMUP + MEASURE seconds, or until MAX_TRIALS results
(0: no cap) have been sent by this process. Prints one JSON line: the results sent and the latencies
(ms) of the calls that started after the warm-up and ended within the window.
"""

import json
import sys
import threading
import time

from Oscar import Oscar

PARAMETERS = {"x%d" % i: {"min": -5, "max": 5} for i in range(6)}


def main():
    token, name, algorithm = sys.argv[1:4]
    threads, warmup, measure, max_trials = int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
    urls = sys.argv[8:]
    experiment = {"name": name, "parameters": PARAMETERS, "algorithm": algorithm}
    clients = [Oscar(token, url=urls[i % len(urls)], worker="load-%d" % i, max_wait=60) for i in range(threads)]
    suggest_ms, update_ms, errors = [], [], []
    counts = {"window": 0, "total": 0}
    lock = threading.Lock()
    print("ready", flush=True)
    sys.stdin.readline()
    start = time.monotonic()
    window_start, deadline = start + warmup, start + warmup + measure

    def work(client):
        while True:
            now = time.monotonic()
            if now >= deadline:
                return
            with lock:
                if max_trials and counts["total"] >= max_trials:
                    return
                counts["total"] += 1
            try:
                t0 = time.monotonic()
                job = client.suggest(experiment)
                t1 = time.monotonic()
                client.update(job, {"loss": sum(job[k] ** 2 for k in PARAMETERS)})
                t2 = time.monotonic()
            except Exception as exc:  # counted and shown: the benchmark reports them
                with lock:
                    errors.append(str(exc)[:200])
                continue
            if t0 >= window_start and t2 <= deadline:
                with lock:
                    suggest_ms.append((t1 - t0) * 1000)
                    update_ms.append((t2 - t1) * 1000)
                    counts["window"] += 1

    pool = [threading.Thread(target=work, args=(client,)) for client in clients]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    end = time.monotonic()
    for client in clients:
        client.close()
    window = min(end, deadline) - window_start
    print(json.dumps({
        "results": counts["window"],
        "seconds": window,
        "suggest": suggest_ms,
        "update": update_ms,
        "errors": errors[:5],
        "errorCount": len(errors),
    }), flush=True)


if __name__ == "__main__":
    main()
