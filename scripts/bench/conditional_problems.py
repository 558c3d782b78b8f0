"""Conditional problems of `npm run bench:conditional` (scripts/bench/conditional.ts), shared by Oscar's
workers (conditional_workers.py) and Optuna's runner (conditional_optuna.py): the same tree of
parameters, the same objective, the same seeds for both systems.

A problem has `parameters` (Oscar's format, a `{"choices": {...}}` tree), `evaluate(params)` (the loss
of a flat assignment keyed as Oscar keys a job) and `optimum` (the known minimum, or None when it is not
known: conditional.ts then takes the best loss any method found in any run), `branch` (the top
choice whose branches compete) and `optimum_branch` (the known minimum's choice there, or None).

- `model_select` (synthetic, minimum exactly 0): a shared `warmup` in [0, 1] adds 2 (warmup - 0.3)^2;
  `family` is one of
  - `svm` (best, offset 0): C log-uniform in [1e-3, 1e3], gamma log-uniform in [1e-4, 10], `kernel`
    among rbf, poly, sigmoid; with u = log10 C - 1 and v = log10 gamma + 2, the loss is
    0.8 (1 - exp(-(0.08 (u + v)^2 + 0.5 (u - v)^2))) plus 0, 0.1 or 0.25 for the kernel: a narrow
    diagonal valley (C = 10, gamma = 0.01, rbf) in a plateau near 0.8, like a real SVM's error;
  - `forest` (offset 0.05): `n_trees` 10..500 step 10 (more is better), `depth` 1..20 (best 12),
    `fraction` in [0, 1] (best 0.35): easy to improve, at least 0.05;
  - `linear` (offset 0.12): C log-uniform in [1e-4, 100] (best 0.1): one easy parameter.
  The minimum: warmup 0.3, svm, C 10, gamma 0.01, rbf. The two `C`s are keyed `svm.C` and `linear.C`.
- `digits_models` (real): scikit-learn's digits (600 of its 1,797 images, drawn once with seed 0),
  classification error by 3-fold stratified cross-validation (fixed folds); `scaler` none or standard
  (shared), `model` one of `svm` (SVC, C log in [1e-2, 1e3], gamma log in [1e-5, 1]), `forest`
  (RandomForestClassifier, n_trees 10..100 step 10, max_depth 2..24, max_features a fraction in
  [0.05, 0.6], random_state 0) and `logreg` (LogisticRegression, C log in [1e-4, 100], max_iter 300).
  An evaluation takes 0.02-0.4 s on one core; evaluations are cached by their parameters within a
  process. Keys `svm.C` and `logreg.C`.
"""

import json
import math
import threading
import warnings

# ------------------------------------------------------------------ the tree, keyed as Oscar keys it


def _names(parameters, counts):
    for name, spec in parameters.items():
        counts[name] = counts.get(name, 0) + 1
        if isinstance(spec, dict) and "choices" in spec:
            for subs in spec["choices"].values():
                _names(subs, counts)
    return counts


def _walk(parameters, counts, choice, pick):
    """Visits the active parameters parent first: pick(key, spec) returns the value of a parameter;
    a choice's value selects the sub-parameters visited next."""
    for name, spec in parameters.items():
        key = name if choice is None or counts[name] == 1 else "%s.%s" % (choice, name)
        if isinstance(spec, dict) and "choices" in spec:
            value = pick(key, list(spec["choices"]))
            _walk(spec["choices"][value], counts, value, pick)
        else:
            pick(key, spec)


def assign(parameters, pick):
    """A flat assignment of the active parameters, each value from pick(key, spec) (spec: a list of
    choices, or a numeric spec), parent first. A top-level parameter and a sub-parameter whose name
    occurs once in the tree keep their name; others are keyed `choice.name` (README, "Conditional
    parameters")."""
    out = {}

    def take(key, spec):
        out[key] = pick(key, spec)
        return out[key]

    _walk(parameters, _names(parameters, {}), None, take)
    return out


def in_domain(spec, value):
    """Whether a value is one a parameter's spec allows."""
    if isinstance(spec, list):
        return value in spec
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    if not spec["min"] - 1e-9 <= value <= spec["max"] + 1e-9:
        return False
    if "step" in spec:
        return abs((value - spec["min"]) / spec["step"] - round((value - spec["min"]) / spec["step"])) < 1e-6
    return True


def violations(parameters, job):
    """What is wrong with a job Oscar handed out, as strings: missing keys, keys of inactive
    parameters, values outside their spec. Empty when the job holds exactly the active parameters."""
    specs = {}

    def expect(key, spec):
        specs[key] = spec
        return job.get(key) if isinstance(spec, list) else None

    try:
        assign(parameters, expect)
    except KeyError:  # a choice missing, or not one of its choices: its sub-parameters are unknown
        pass
    problems = ["missing %s" % k for k in sorted(set(specs) - set(job))]
    problems += ["inactive %s" % k for k in sorted(set(job) - set(specs))]
    problems += ["%s=%r out of its spec" % (k, job[k]) for k in sorted(set(specs) & set(job)) if not in_domain(specs[k], job[k])]
    return problems


# ------------------------------------------------------------------ model_select (synthetic)

MODEL_SELECT = {
    "warmup": {"min": 0.0, "max": 1.0},
    "family": {"choices": {
        "svm": {"C": {"min": 1e-3, "max": 1e3, "distribution": "log_uniform"},
                "gamma": {"min": 1e-4, "max": 10.0, "distribution": "log_uniform"},
                "kernel": ["rbf", "poly", "sigmoid"]},
        "forest": {"n_trees": {"min": 10, "max": 500, "step": 10}, "depth": {"min": 1, "max": 20, "step": 1},
                   "fraction": {"min": 0.0, "max": 1.0}},
        "linear": {"C": {"min": 1e-4, "max": 100.0, "distribution": "log_uniform"}},
    }},
}
_KERNEL = {"rbf": 0.0, "poly": 0.1, "sigmoid": 0.25}


def model_select(p):
    shared = 2.0 * (p["warmup"] - 0.3) ** 2
    if p["family"] == "svm":
        u, v = math.log10(p["svm.C"]) - 1.0, math.log10(p["gamma"]) + 2.0
        return shared + 0.8 * (1.0 - math.exp(-(0.08 * (u + v) ** 2 + 0.5 * (u - v) ** 2))) + _KERNEL[p["kernel"]]
    if p["family"] == "forest":
        return (shared + 0.05 + 0.1 * math.log(500.0 / p["n_trees"]) / math.log(50.0)
                + 0.003 * (p["depth"] - 12) ** 2 + 0.4 * (p["fraction"] - 0.35) ** 2)
    return shared + 0.12 + 0.3 * (math.log10(p["linear.C"]) + 1.0) ** 2 / 9.0


# ------------------------------------------------------------------ digits_models (scikit-learn)

DIGITS_MODELS = {
    "scaler": ["none", "standard"],
    "model": {"choices": {
        "svm": {"C": {"min": 1e-2, "max": 1e3, "distribution": "log_uniform"},
                "gamma": {"min": 1e-5, "max": 1.0, "distribution": "log_uniform"}},
        "forest": {"n_trees": {"min": 10, "max": 100, "step": 10}, "max_depth": {"min": 2, "max": 24, "step": 1},
                   "max_features": {"min": 0.05, "max": 0.6}},
        "logreg": {"C": {"min": 1e-4, "max": 100.0, "distribution": "log_uniform"}},
    }},
}
_DIGITS = {}
_DIGITS_LOCK = threading.Lock()
_CACHE = {}


def _digits():
    with _DIGITS_LOCK:
        if not _DIGITS:
            import numpy as np
            from sklearn.datasets import load_digits
            from sklearn.model_selection import StratifiedKFold

            x, y = load_digits(return_X_y=True)
            keep = np.random.RandomState(0).permutation(len(y))[:600]
            _DIGITS.update(x=x[keep], y=y[keep], folds=list(StratifiedKFold(3, shuffle=True, random_state=0).split(x[keep], y[keep])))
        return _DIGITS


def digits_models(p):
    key = json.dumps(p, sort_keys=True)
    if key in _CACHE:
        return _CACHE[key]
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    data = _digits()
    if p["model"] == "svm":
        model = SVC(C=p["svm.C"], gamma=p["gamma"])
    elif p["model"] == "forest":
        model = RandomForestClassifier(n_estimators=int(p["n_trees"]), max_depth=int(p["max_depth"]),
                                       max_features=p["max_features"], random_state=0, n_jobs=1)
    else:
        model = LogisticRegression(C=p["logreg.C"], max_iter=300)
    if p["scaler"] == "standard":
        model = make_pipeline(StandardScaler(), model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LogisticRegression's ConvergenceWarning at large C
        error = 1.0 - float(cross_val_score(model, data["x"], data["y"], cv=data["folds"]).mean())
    _CACHE[key] = error
    return error


PROBLEMS = {
    "model_select": dict(name="model_select", parameters=MODEL_SELECT, evaluate=model_select, optimum=0.0, branch="family", optimum_branch="svm"),
    "digits_models": dict(name="digits_models", parameters=DIGITS_MODELS, evaluate=digits_models, optimum=None, branch="model", optimum_branch=None),
}


# ------------------------------------------------------------------ runs


class Log:
    """A run's trials, shared by its worker threads: how many have started (at most `total`), the losses
    in the order they came back with their params, and the jobs that broke the tree (Oscar only)."""

    def __init__(self, total):
        self.total = total
        self.started = 0
        self.results = []  # [loss, params]
        self.errors = []
        self.violations = []  # strings, one per faulty job
        self._lock = threading.Lock()

    def claim(self):
        """Takes one of the run's trials; False once all have been taken."""
        with self._lock:
            if self.started >= self.total:
                return False
            self.started += 1
            return True

    def add(self, loss, params):
        with self._lock:
            self.results.append([loss, params])


def add_run_arguments(ap):
    """The options conditional_workers.py and conditional_optuna.py share: which runs to make."""
    ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--seeds", default="0,1,2,3,4,5,6,7,8,9")
    ap.add_argument("--trials", type=int, default=60)
    ap.add_argument("--workers", type=int, default=1)


def print_runs(args, run):
    """Makes run(args, problem, seed) for each problem and seed of `args`, printing each line as it comes."""
    for name in args.problems.split(","):
        for seed in [int(s) for s in args.seeds.split(",")]:
            print(run(args, PROBLEMS[name], seed), flush=True)


def run_line(system, workers, problem, seed, log, seconds):
    """The JSON line of one run: the losses in the order they came back, the best so far after each, the
    branch each trial took, and the jobs that broke the tree."""
    losses = [loss for loss, _ in log.results]
    best = [min(losses[: k + 1]) for k in range(len(losses))]
    final = min(log.results, key=lambda r: r[0])[1] if log.results else None
    return json.dumps(dict(system=system, workers=workers, problem=problem["name"], seed=seed, trials=log.started,
                           optimum=problem["optimum"], branch=problem["branch"],
                           optimum_branch=problem["optimum_branch"], losses=losses, best=best,
                           branches=[params[problem["branch"]] for _, params in log.results], best_params=final,
                           seconds=round(seconds, 2), violations=len(log.violations), violation_examples=log.violations[:3],
                           errors=log.errors[:3]))
