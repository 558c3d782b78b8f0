/**
 * In-process benchmark: runs Oscar's optimizers directly (no server) on the
 * benchmark problems, many seeds fast, and compares median final regret with
 * the Optuna reference results. For development and tuning; `npm run bench`
 * measures through the real server.
 *
 * usage: tsx scripts/bench/harness.ts [--optimizer auto] [--seeds 10] [--first-seed 0] [--budget 60]
 *        [--workers 1] [--problems all|public|public2|public-all|extra|extra2|round2|a,b] [--json out.jsonl]
 *        [--gp '{"candidates":4000}'] [--reach 0.02,0.001] (budget defaults to each problem's: 60 in round one,
 *        100 in round two; --reach prints, per regret level, in how many runs and by which trial it was reached)
 */
import { appendFileSync, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createGpOptimizer, type GpOptions, type LossWarp } from '../../server/optimizer/gp-optimizer.ts';
import { resolveOptimizer } from '../../server/optimizer/registry.ts';
import { createRng, deriveSeed } from '../../server/optimizer/rng.ts';
import { parseSearchSpace, type Params } from '../../server/optimizer/space.ts';
import type { CompletedTrial, Optimizer } from '../../server/optimizer/types.ts';
import { extraProblems, publicProblems, round2ExtraProblems, round2Problems, type Problem } from './problems.ts';
import { benchDir, median, referenceCurves } from './common.ts';

/** `--gp` takes JSON GpOptions (e.g. '{"candidates":4000}') for measuring one change at a time; `--warp` fixes the loss warp. */
function optimizerFor(name: string, warp: string | undefined, gp: string | undefined): Optimizer {
  if (name === 'gp' && (warp || gp)) {
    const options: GpOptions = { ...(gp ? (JSON.parse(gp) as GpOptions) : {}), ...(warp ? { warp: warp as LossWarp } : {}) };
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

/** The 1-based trial at which the best-so-far `curve` first reaches `value` or below; Infinity if never. */
export function trialReaching(curve: readonly number[], value: number): number {
  const i = curve.findIndex((v) => v <= value);
  return i < 0 ? Number.POSITIVE_INFINITY : i + 1;
}

/** "reached in r of n runs, by trial q25 / median / q75" (quartiles by nearest rank; "never" past the runs that reached it). */
function reachSummary(trials: readonly number[]): string {
  const sorted = [...trials].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const show = (v: number) => (Number.isFinite(v) ? String(v) : 'never');
  return `reached in ${sorted.filter(Number.isFinite).length} of ${sorted.length} runs, by trial ${show(at(0.25))} / ${show(at(0.5))} / ${show(at(0.75))} (quartiles)`;
}

/** The problem sets `--problems` names: round one (60 trials), round two (100 trials), ours of each kind, or all. */
function problemSet(name: string): readonly Problem[] {
  const all = [...publicProblems, ...extraProblems, ...round2Problems, ...round2ExtraProblems];
  const sets: Record<string, readonly Problem[]> = {
    all,
    public: publicProblems,
    public2: round2Problems,
    round2: [...round2Problems, ...round2ExtraProblems],
    extra: extraProblems,
    extra2: round2ExtraProblems,
    'public-all': [...publicProblems, ...round2Problems],
  };
  return sets[name] ?? all.filter((p) => name.split(',').includes(p.name));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      optimizer: { type: 'string', default: 'auto' },
      seeds: { type: 'string', default: '10' },
      'first-seed': { type: 'string', default: '0' },
      budget: { type: 'string' },
      workers: { type: 'string', default: '1' },
      problems: { type: 'string', default: 'public' },
      json: { type: 'string' },
      warp: { type: 'string' },
      gp: { type: 'string' },
      reach: { type: 'string' },
    },
  });
  const reach = values.reach ? values.reach.split(',').map(Number) : [];
  const seeds = Number(values.seeds);
  const workers = Number(values.workers);
  const problems = problemSet(values.problems!);
  const optimizer = optimizerFor(values.optimizer!, values.warp, values.gp);
  const reference = existsSync(benchDir()) ? referenceCurves() : new Map<string, Map<string, number[][]>>();
  const ratios: number[] = [];
  let atOrBelowBest = 0;
  let withBest = 0;
  console.log(`optimizer=${values.optimizer} warp=${values.warp ?? '-'} gp=${values.gp ?? '-'} seeds=${seeds} budget=${values.budget ?? 'per problem'} workers=${workers}`);
  console.log('problem            budget oscar       optuna-tpe  tpe_mv      sklearn-gp  best-ref    vs-tpe  <=best ms/suggest(max)');
  for (const problem of problems) {
    const budget = Number(values.budget ?? problem.budget ?? 60);
    const finals: number[] = [];
    const times: number[] = [];
    const reachedAt: number[][] = reach.map(() => []);
    const first = Number(values['first-seed']);
    for (let seed = first; seed < first + seeds; seed++) {
      const { curve, ms } = runOnce(problem, optimizer, seed, budget, workers);
      finals.push(curve.at(-1)! - problem.optimum);
      times.push(...ms);
      reach.forEach((level, j) => reachedAt[j]!.push(trialReaching(curve, problem.optimum + level)));
      if (values.json) {
        const line = { system: `oscar-inproc-w${workers}`, problem: problem.name, seed, curve };
        appendFileSync(values.json, `${JSON.stringify(line)}\n`);
      }
    }
    if (process.env.VERBOSE) console.log(problem.name, finals.map((f) => f.toPrecision(3)).join(' '));
    const regret = median(finals);
    const referenceRegret = (system: string): number => {
      const curves = reference.get(problem.name)?.get(system);
      return curves ? median(curves.map((c) => c[Math.min(budget, c.length) - 1]! - problem.optimum)) : Number.NaN;
    };
    const tpeRegret = referenceRegret('optuna-tpe');
    const mvRegret = referenceRegret('optuna-tpe_mv');
    const gpRegret = referenceRegret('sklearn-gp-ei');
    const known = [tpeRegret, mvRegret, gpRegret].filter((v) => Number.isFinite(v));
    const bestRef = known.length ? Math.min(...known) : Number.NaN;
    const ratio = Math.max(regret, 1e-9) / Math.max(tpeRegret, 1e-9);
    if (Number.isFinite(ratio)) ratios.push(ratio);
    const beats = Number.isFinite(bestRef) ? regret <= bestRef : undefined;
    if (beats !== undefined) {
      withBest++;
      if (beats) atOrBelowBest++;
    }
    const mean = times.reduce((s, v) => s + v, 0) / times.length;
    const e = (v: number) => v.toExponential(3).padEnd(11);
    console.log(
      `${problem.name.padEnd(18)} ${String(budget).padEnd(6)} ${e(regret)} ${e(tpeRegret)} ${e(mvRegret)} ${e(gpRegret)} ${e(bestRef)} ${ratio.toFixed(3).padEnd(7)} ${beats === undefined ? '-' : beats ? 'yes' : 'NO '}    ${mean.toFixed(1)} (${Math.max(...times).toFixed(0)})`,
    );
    reach.forEach((level, j) => console.log(`  regret <= ${level}: ${reachSummary(reachedAt[j]!)}`));
  }
  if (ratios.length) {
    const gm = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
    console.log(`geometric mean ratio vs optuna-tpe: ${gm.toFixed(4)} over ${ratios.length} problems; at or below TPE ${ratios.filter((r) => r <= 1).length}/${ratios.length}; at or below the best reference ${atOrBelowBest}/${withBest}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) void main();
