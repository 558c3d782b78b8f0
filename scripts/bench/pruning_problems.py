"""Learning-curve problems of `npm run bench:pruning` (scripts/bench/pruning.ts), shared by Oscar's
workers (pruning_workers.py) and Optuna's runner (pruning_optuna.py): the same parameters and seed give
the same curve in both.

A problem has `parameters` (Oscar's format), `steps` (a trial that runs to the end reports steps
1..steps, the last one being its final value) and `curve(params, seed)`: an iterator of the values at
steps 1, 2, ... computed lazily, so a pruned trial costs only the steps it ran. `optimum` is the known
minimum of the final value, or None when it is not known (the real model: pruning.ts then uses the best
final value any method found in any run).

- `sim_curve`: a simulated training curve. The final value is a known function of a log-scale learning
  rate, an integer depth, a dropout rate and a categorical optimizer (minimum 0.1); the curve falls
  from 2.5 towards it exponentially, faster for larger learning rates, with Gaussian noise that shrinks
  as the curve flattens. Large learning rates lead early (until about step 5) and end worse: curves
  cross, as they do in training.
- `mlp_sgd`: a real model: a one-hidden-layer network (tanh) trained by minibatch SGD with momentum and
  weight decay (hand-written, NumPy), epoch by epoch, on a fixed synthetic 3-class problem (400
  training, 400 validation points of 10 features, labels from a random teacher network with 10% label
  noise); the value is the validation cross-entropy after each epoch (capped at 5). The seed sets the
  initial weights and the minibatch order.
"""

import json
import math
import threading
import zlib

import numpy as np

STEPS = 50


def _rng(seed, params, salt):
    key = zlib.crc32(json.dumps(params, sort_keys=True).encode())
    return np.random.default_rng([int(seed), key, salt])


# ------------------------------------------------------------------ simulated training curve

SIM_PARAMETERS = {
    "lr": {"min": 1e-4, "max": 1.0, "distribution": "log_uniform"},
    "depth": {"min": 1, "max": 8, "step": 1},
    "dropout": {"min": 0.0, "max": 0.8},
    "optimizer": ["sgd", "momentum", "adam"],
}
_SIM_OPTIMIZER = {"adam": (0.0, 1.0), "momentum": (0.05, 1.3), "sgd": (0.15, 1.8)}  # final-value cost, slowness


def sim_final(p):
    """The final value: minimum 0.1 at lr=10^-2.5, depth=5, dropout=0.3, adam."""
    u = math.log10(p["lr"])
    return (0.1 + 0.25 * (u + 2.5) ** 2 + 0.04 * (p["depth"] - 5) ** 2 + 0.8 * (p["dropout"] - 0.3) ** 2
            + _SIM_OPTIMIZER[p["optimizer"]][0])


def sim_curve(p, seed):
    final = sim_final(p)
    u = math.log10(p["lr"])
    # Steps for the gap to shrink by e: 4 at the best learning rate, 1 at lr=0.1, 16 at 1e-4.
    tau = 4.0 * 10 ** (-0.4 * (u + 2.5)) * _SIM_OPTIMIZER[p["optimizer"]][1] * (1 + 0.05 * (p["depth"] - 1))
    start = 2.5
    rng = _rng(seed, p, 1)
    tail = math.exp(-STEPS / tau)
    for step in range(1, STEPS + 1):
        left = (math.exp(-step / tau) - tail) / (1 - tail)  # 1 at step 0, 0 at the last step
        value = final + (start - final) * left
        if step < STEPS:
            value += rng.normal(0.0, 0.05 * (0.3 + left))
        yield float(value)


# ------------------------------------------------------------------ a real model: an MLP trained by SGD

MLP_PARAMETERS = {
    "lr": {"min": 1e-3, "max": 1.0, "distribution": "log_uniform"},
    "momentum": {"min": 0.0, "max": 0.95},
    "hidden": {"min": 2, "max": 64, "step": 1},
    "weight_decay": {"min": 1e-6, "max": 1e-1, "distribution": "log_uniform"},
    "batch": [16, 32, 64, 128],
}
_FEATURES, _CLASSES, _POINTS = 10, 3, 400


def _dataset():
    rng = np.random.default_rng(20261)
    x = rng.normal(size=(2 * _POINTS, _FEATURES))
    teacher_hidden = np.tanh(x @ rng.normal(size=(_FEATURES, 8)) * 0.8)
    logits = teacher_hidden @ rng.normal(size=(8, _CLASSES)) * 2.0
    y = logits.argmax(axis=1)
    flip = rng.random(len(y)) < 0.1
    y[flip] = rng.integers(0, _CLASSES, flip.sum())
    return x[:_POINTS], y[:_POINTS], x[_POINTS:], y[_POINTS:]


_DATA = None
_DATA_LOCK = threading.Lock()


def _data():
    global _DATA
    with _DATA_LOCK:
        if _DATA is None:
            _DATA = _dataset()
    return _DATA


def _cross_entropy(logits, y):
    logits = logits - logits.max(axis=1, keepdims=True)
    log_prob = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return float(-log_prob[np.arange(len(y)), y].mean()), log_prob


def mlp_curve(p, seed, steps=STEPS):
    x, y, x_val, y_val = _data()
    rng = _rng(seed, p, 2)
    hidden, batch = int(p["hidden"]), int(p["batch"])
    lr, momentum, decay = p["lr"], p["momentum"], p["weight_decay"]
    w1 = rng.normal(0, 1 / math.sqrt(_FEATURES), (_FEATURES, hidden))
    b1 = np.zeros(hidden)
    w2 = rng.normal(0, 1 / math.sqrt(hidden), (hidden, _CLASSES))
    b2 = np.zeros(_CLASSES)
    weights = [w1, b1, w2, b2]
    velocity = [np.zeros_like(w) for w in weights]
    onehot = np.eye(_CLASSES)
    for _ in range(steps):
        order = rng.permutation(_POINTS)
        for start in range(0, _POINTS, batch):
            idx = order[start:start + batch]
            xb, yb = x[idx], y[idx]
            h = np.tanh(xb @ w1 + b1)
            _, log_prob = _cross_entropy(h @ w2 + b2, yb)
            d_logits = (np.exp(log_prob) - onehot[yb]) / len(idx)
            d_h = (d_logits @ w2.T) * (1 - h * h)
            grads = [xb.T @ d_h + decay * w1, d_h.sum(axis=0), h.T @ d_logits + decay * w2, d_logits.sum(axis=0)]
            for w, v, g in zip(weights, velocity, grads):
                v *= momentum
                v -= lr * g
                w += v
        loss, _ = _cross_entropy(np.tanh(x_val @ w1 + b1) @ w2 + b2, y_val)
        yield min(loss, 5.0) if math.isfinite(loss) else 5.0


PROBLEMS = {
    "sim_curve": dict(name="sim_curve", parameters=SIM_PARAMETERS, steps=STEPS, curve=sim_curve, optimum=0.1),
    "mlp_sgd": dict(name="mlp_sgd", parameters=MLP_PARAMETERS, steps=STEPS, curve=mlp_curve, optimum=None),
    "mlp_sgd_100": dict(name="mlp_sgd_100", parameters=MLP_PARAMETERS, steps=100,
                        curve=lambda p, seed: mlp_curve(p, seed, 100), optimum=None),
}


class Budget:
    """The total steps a run may spend, shared by its worker threads, and the final values of the trials
    that ran to the end, each with the steps spent (by all workers) when it finished."""

    def __init__(self, total):
        self.total = total
        self.spent = 0
        self.finished = []  # [steps spent, final value, params]
        self.trials = 0
        self.pruned = 0
        self.errors = []
        self.log = []  # per trial: [steps spent by the run when it started, steps it ran, outcome, params]
        self._lock = threading.Lock()

    def take(self):
        """Spends one step; False once the budget is spent (the trial running stops unfinished)."""
        with self._lock:
            if self.spent >= self.total:
                return False
            self.spent += 1
            return True

    def left(self):
        with self._lock:
            return self.spent < self.total

    def started(self):
        with self._lock:
            self.trials += 1

    def ended(self, start, steps, outcome, params):
        """Logs a trial: `outcome` is "finished", "pruned" or "cut" (the budget ran out)."""
        with self._lock:
            self.log.append([start, steps, outcome, params])

    def stopped(self):
        with self._lock:
            self.pruned += 1

    def finish(self, value, params):
        with self._lock:
            self.finished.append([self.spent, value, params])


def run_threads(workers, work):
    """Runs work(index) in `workers` threads and waits for them."""
    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def run_line(system, workers, problem, seed, budget, seconds):
    """The JSON line of one run."""
    return json.dumps(dict(system=system, workers=workers, problem=problem["name"], trial_steps=problem["steps"], seed=seed, budget=budget.total,
                           steps=budget.spent, trials=budget.trials, pruned=budget.pruned,
                           optimum=problem["optimum"], finished=budget.finished, seconds=round(seconds, 2),
                           errors=budget.errors[:3], log=budget.log))
