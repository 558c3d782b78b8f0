/**
 * In-process benchmark: runs Oscar's optimizers directly (no server) on the
 * benchmark problems, many seeds fast, and compares median final regret with
 * the Optuna reference results. For development and tuning; `npm run bench`
 * measures through the real server.
 *
 * usage: tsx scripts/bench/harness.ts [--optimizer auto] [--seeds 10] [--first-seed 0] [--budget 60]
 *        [--workers 1] [--problems all|public|extra|a,b] [--json out.jsonl]
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createGpOptimizer, type GpOptions, type LossWarp } from '../../server/optimizer/gp-optimizer.ts';
import { resolveOptimizer } from '../../server/optimizer/registry.ts';
import { createRng, deriveSeed } from '../../server/optimizer/rng.ts';
import { parseSearchSpace, type Params } from '../../server/optimizer/space.ts';
import type { CompletedTrial, Optimizer } from '../../server/optimizer/types.ts';
import { extraProblems, publicProblems, type Problem } from './problems.ts';
import { benchDir, median, referenceCurves } from './common.ts';

function optimizerFor(name: string, warp: string | undefined): Optimizer {
  if (name === 'gp' && warp) {
    const options: GpOptions = { warp: warp as LossWarp };
    return createGpOptimizer(options);
  }
  return resolveOptimizer(name);
}

/** One run: `workers` trials in flight, the oldest finishes first; returns the best-so-far curve. */
export function runOnce(problem: Problem, optimizer: Optimizer, seed: number, budget: number, workers: number): { curve: number[]; ms: number[] } {
  const space = parseSearchSpace(problem.parameters);
  const noiseRng = createRng(deriveSeed(seed, 77));
  const noise = () => Math.sqrt(-2 * Math.log(Math.max(noiseRng.uniform(), 1e-300))) * Math.cos(2 * Math.PI * noiseRng.uniform());
  const completed: CompletedTrial[] = [];
  const running: { params: Params }[] = [];
  const losses: number[] = [];
  const ms: number[] = [];
  let state: unknown;
  let started = 0;
  const ask = () => {
    const t0 = performance.now();
    const result = optimizer.suggest({ space, completed, running, seed: deriveSeed(seed, started), state });
    ms.push(performance.now() - t0);
    state = result.state;
    running.push({ params: result.suggestions[0]! });
    started++;
  };
  const tell = () => {
    const trial = running.shift()!;
    const loss = problem.f(trial.params, noise);
    completed.push({ params: trial.params, loss });
    losses.push(loss);
  };
  ask();
  tell();
  while (completed.length < budget) {
    while (started < budget && running.length < workers) ask();
    tell();
  }
  let best = Number.POSITIVE_INFINITY;
  return { curve: losses.map((l) => (best = Math.min(best, l))), ms };
}

async function main(): Promise<void> {
const { values } = parseArgs({
    options: {
      optimizer: { type: 'string', default: 'auto' },
      seeds: { type: 'string', default: '10' },
    'first-seed': { type: 'string', default: '0' },
      budget: { type: 'string', default: '60' },
      workers: { type: 'string', default: '1' },
      problems: { type: 'string', default: 'public' },
      json: { type: 'string' },
      warp: { type: 'string' },
    },
  });
  const seeds = Number(values.seeds);
  const budget = Number(values.budget);
  const workers = Number(values.workers);
  const all = [...publicProblems, ...extraProblems];
  const problems =
    values.problems === 'all' ? all : values.problems === 'public' ? publicProblems : values.problems === 'extra' ? extraProblems : all.filter((p) => values.problems!.split(',').includes(p.name));
  const optimizer = optimizerFor(values.optimizer!, values.warp);
  const reference = existsSync(benchDir()) ? referenceCurves() : new Map();
  const ratios: number[] = [];
  console.log(`optimizer=${values.optimizer} warp=${values.warp ?? '-'} seeds=${seeds} budget=${budget} workers=${workers}`);
  if (process.env.VERBOSE) console.log('per-seed finals are printed');
  console.log('problem            oscar       optuna-tpe  sklearn-gp  ratio  ms/suggest(max)');
  for (const problem of problems) {
    const finals: number[] = [];
    const times: number[] = [];
    const first = Number(values['first-seed']);
    for (let seed = first; seed < first + seeds; seed++) {
      const { curve, ms } = runOnce(problem, optimizer, seed, budget, workers);
      finals.push(curve.at(-1)! - problem.optimum);
      times.push(...ms);
      if (values.json) {
        const line = { system: `oscar-inproc-w${workers}`, problem: problem.name, seed, curve };
        appendFileSync(values.json, `${JSON.stringify(line)}\n`);
      }
    }
    if (process.env.VERBOSE) console.log(problem.name, finals.map((f) => f.toPrecision(3)).join(' '));
    const regret = median(finals);
    const tpe = reference.get(problem.name)?.get('optuna-tpe');
    const gp = reference.get(problem.name)?.get('sklearn-gp-ei');
    const tpeRegret = tpe ? median(tpe.map((c: number[]) => c.at(-1)! - problem.optimum)) : Number.NaN;
    const gpRegret = gp ? median(gp.map((c: number[]) => c.at(-1)! - problem.optimum)) : Number.NaN;
    const ratio = Math.max(regret, 1e-9) / Math.max(tpeRegret, 1e-9);
    if (Number.isFinite(ratio)) ratios.push(ratio);
    const mean = times.reduce((s, v) => s + v, 0) / times.length;
    console.log(
      `${problem.name.padEnd(18)} ${regret.toExponential(3).padEnd(11)} ${tpeRegret.toExponential(3).padEnd(11)} ${gpRegret.toExponential(3).padEnd(11)} ${ratio.toFixed(3).padEnd(6)} ${mean.toFixed(1)} (${Math.max(...times).toFixed(0)})`,
    );
  }
  if (ratios.length) {
    const gm = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
    console.log(`geometric mean ratio vs optuna-tpe: ${gm.toFixed(4)} over ${ratios.length} problems; wins ${ratios.filter((r) => r <= 1).length}/${ratios.length}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) void main();
