// How the GP optimizer (in process, sequential) treats FAILED trials, on two small cases:
// - a transient failure: x² on [-10, 10], the first trial within 0.01 of the optimum fails (an
//   out-of-memory that would not recur); counted: the later trials within 0.02 of the optimum, against
//   the same seeds without the failure (from trial 20 on);
// - a failing region beside the optimum: (x - 3)² + 0.5 (y - 6)² on [-10, 10] x [0, 10], where
//   x + y > 9.5 or x < -5 fails; counted: failures after the 10-trial start, and each run's best.
// Usage: npm run bench:failures
import { createGpOptimizer } from '../../server/optimizer/gp-optimizer.ts';
import { parseSearchSpace, type Params } from '../../server/optimizer/space.ts';
import type { CompletedTrial } from '../../server/optimizer/types.ts';

/** A sequential run of `trials` GP suggestions; `loss` answers NaN for a failure. */
function run(space: ReturnType<typeof parseSearchSpace>, trials: number, seed: number, loss: (params: Params, i: number) => number): CompletedTrial[] {
  const optimizer = createGpOptimizer();
  const completed: CompletedTrial[] = [];
  let state: unknown;
  for (let i = 0; i < trials; i++) {
    const result = optimizer.suggest({ space, completed, running: [], seed: seed * 1000 + i, state });
    state = result.state;
    const params = result.suggestions[0]!;
    completed.push({ params, loss: loss(params, i) });
  }
  return completed;
}

const line = parseSearchSpace({ x: { min: -10, max: 10 } });
console.log('Transient failure, x² on [-10, 10], 45 trials: later trials within 0.02 of the optimum');
for (const seed of [7, 8, 9, 10]) {
  const control = run(line, 45, seed, (p) => Number(p.x) ** 2).slice(20);
  let failedAt = -1;
  const failing = run(line, 45, seed, (p, i) => {
    const x = Number(p.x);
    if (failedAt < 0 && Math.abs(x) < 0.01) {
      failedAt = i;
      return Number.NaN;
    }
    return x * x;
  });
  const after = failedAt < 0 ? [] : failing.slice(failedAt + 1);
  const near = (trials: CompletedTrial[]) => trials.filter((t) => Math.abs(Number(t.params.x)) < 0.02).length;
  console.log(`  seed ${seed}: without a failure ${near(control)} of ${control.length}; failed at trial ${failedAt + 1}, then ${near(after)} of ${after.length}`);
}

const plane = parseSearchSpace({ x: { min: -10, max: 10 }, y: { min: 0, max: 10 } });
const fails = (x: number, y: number) => x + y > 9.5 || x < -5;
let failures = 0;
const bests: string[] = [];
for (const seed of [1, 2, 3, 4, 5, 6]) {
  const trials = run(plane, 50, seed, (p) => {
    const x = Number(p.x);
    const y = Number(p.y);
    return fails(x, y) ? Number.NaN : (x - 3) ** 2 + 0.5 * (y - 6) ** 2;
  });
  failures += trials.slice(10).filter((t) => !Number.isFinite(t.loss)).length;
  bests.push(Math.min(...trials.map((t) => t.loss).filter(Number.isFinite)).toExponential(1));
}
console.log(`Failing region beside the optimum, 6 seeds x 50 trials: ${failures} failures of 240 after the start; best per run ${bests.join(', ')}`);
