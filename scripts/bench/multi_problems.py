"""Problems of `npm run bench:multi` (scripts/bench/multi.ts), shared by Oscar's workers
(multi_workers.py) and Optuna's runner (multi_optuna.py): two objectives to minimise, optional
constraints, the same definition for both systems.

A problem has `parameters` (Oscar's format), `objectives` (names, both minimised), `constraints`
(Oscar's format: `{name: {"max": limit}}`), `evaluate(params)` (the result: every objective and every
constrained value), `reference` (the fixed reference point of the hypervolume) and `max_hypervolume`
(the hypervolume of the true front, for scale).

- `zdt1`, `zdt2` (Zitzler, Deb, Thiele 2000) in 5 variables on [0, 1]: f1 = x0, g = 1 + 9 mean(x1..x4),
  f2 = g (1 - sqrt(f1 / g)) (convex front) or g (1 - (f1 / g)^2) (concave front); the front is g = 1.
  Reference point (1.1, 11): the worst values the objectives can take (1 and 10) plus a tenth, so every
  trial counts (at most 11.77 and 11.43: the gap to that is how far the front found is from the true one).
- `branin_currin_c`: BoTorch's ConstrainedBraninCurrin (Daulton et al. 2020): Branin and Currin on
  [0, 1]^2, feasible inside the disk (15 x0 - 2.5)^2 + (15 x1 - 7.5)^2 <= 50 (Gelbart et al. 2014),
  BoTorch's reference point (80, 12) and its best known hypervolume 608.40 (NSGA-II, 90,000 evaluations).
"""

import json
import math
import threading

import numpy as np

ZDT_VARIABLES = 5
ZDT_REFERENCE = [1.1, 11.0]


def _zdt_parameters():
    return {"x%d" % i: {"min": 0.0, "max": 1.0} for i in range(ZDT_VARIABLES)}


def _zdt_g(p):
    rest = [p["x%d" % i] for i in range(1, ZDT_VARIABLES)]
    return 1.0 + 9.0 * sum(rest) / len(rest)


def zdt1(p):
    f1, g = p["x0"], _zdt_g(p)
    return {"f1": f1, "f2": g * (1.0 - math.sqrt(f1 / g))}


def zdt2(p):
    f1, g = p["x0"], _zdt_g(p)
    return {"f1": f1, "f2": g * (1.0 - (f1 / g) ** 2)}


def branin_currin_c(p):
    x0, x1 = p["x0"], p["x1"]
    u, v = 15.0 * x0 - 5.0, 15.0 * x1
    branin = (v - 5.1 / (4 * math.pi ** 2) * u ** 2 + 5 / math.pi * u - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(u) + 10
    currin = ((1 - math.exp(-1 / (2 * max(x1, 1e-12)))) * (2300 * x0 ** 3 + 1900 * x0 ** 2 + 2092 * x0 + 60)
              / (100 * x0 ** 3 + 500 * x0 ** 2 + 4 * x0 + 20))
    return {"branin": branin, "currin": currin, "disk": (u - 2.5) ** 2 + (v - 7.5) ** 2}


def hypervolume(points, reference):
    """The area dominated by `points` (pairs to minimise) and bounded by `reference`: sort by the first
    objective and sweep, adding each new best second objective's strip."""
    inside = sorted(p for p in points if p[0] < reference[0] and p[1] < reference[1])
    area, best = 0.0, reference[1]
    for f1, f2 in inside:
        if f2 < best:
            area += (reference[0] - f1) * (best - f2)
            best = f2
    return area


def _front_hypervolume(front, reference, n=200001):
    f1 = np.linspace(0.0, 1.0, n)
    return hypervolume(list(zip(f1, front(f1))), reference)


PROBLEMS = {
    "zdt1": dict(name="zdt1", parameters=_zdt_parameters(), objectives=["f1", "f2"], constraints={}, evaluate=zdt1,
                 reference=ZDT_REFERENCE, max_hypervolume=_front_hypervolume(lambda f1: 1 - np.sqrt(f1), ZDT_REFERENCE)),
    "zdt2": dict(name="zdt2", parameters=_zdt_parameters(), objectives=["f1", "f2"], constraints={}, evaluate=zdt2,
                 reference=ZDT_REFERENCE, max_hypervolume=_front_hypervolume(lambda f1: 1 - f1 ** 2, ZDT_REFERENCE)),
    "branin_currin_c": dict(name="branin_currin_c", parameters={"x0": {"min": 0.0, "max": 1.0}, "x1": {"min": 0.0, "max": 1.0}},
                            objectives=["branin", "currin"], constraints={"disk": {"max": 50.0}}, evaluate=branin_currin_c,
                            reference=[80.0, 12.0], max_hypervolume=608.4004237022673),
}


def slacks(problem, result):
    """Each constraint as Optuna's constraints_func wants it: <= 0 when met."""
    out = []
    for name, limits in problem["constraints"].items():
        if "max" in limits:
            out.append(result[name] - limits["max"])
        if "min" in limits:
            out.append(limits["min"] - result[name])
    return out


class Log:
    """A run's trials, shared by its worker threads: how many have started (at most `total`), and the
    results in the order they came back, each as [objective 1, objective 2, feasible, params]."""

    def __init__(self, total):
        self.total = total
        self.started = 0
        self.results = []
        self.errors = []
        self._lock = threading.Lock()

    def claim(self):
        """Takes one of the run's trials; False once all have been taken."""
        with self._lock:
            if self.started >= self.total:
                return False
            self.started += 1
            return True

    def add(self, problem, params, result):
        values = [result[name] for name in problem["objectives"]]
        feasible = all(s <= 0 for s in slacks(problem, result))
        with self._lock:
            self.results.append([*values, feasible, params])


def add_run_arguments(ap):
    """The options multi_workers.py and multi_optuna.py share: which runs to make."""
    ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--seeds", default="0,1,2,3,4,5,6,7,8,9")
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--workers", type=int, default=1)


def print_runs(args, run):
    """Makes run(args, problem, seed) for each problem and seed of `args`, printing each line as it comes."""
    for name in args.problems.split(","):
        for seed in [int(s) for s in args.seeds.split(",")]:
            print(run(args, PROBLEMS[name], seed), flush=True)


def hypervolume_curve(problem, results):
    """The hypervolume of the feasible results among the first k, for k = 1..len(results)."""
    points, curve = [], []
    for f1, f2, feasible, _params in results:
        if feasible:
            points.append((f1, f2))
        curve.append(hypervolume(points, problem["reference"]))
    return curve


def run_line(system, workers, problem, seed, log, seconds, **extra):
    """The JSON line of one run: its results in the order they came back, and the hypervolume after each."""
    return json.dumps(dict(system=system, workers=workers, problem=problem["name"], seed=seed, trials=log.started,
                           reference=problem["reference"], max_hypervolume=problem["max_hypervolume"],
                           hypervolume=hypervolume_curve(problem, log.results), results=log.results,
                           seconds=round(seconds, 2), errors=log.errors[:3], **extra))
