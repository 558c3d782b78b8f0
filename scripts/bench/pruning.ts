/**
 * `npm run bench:pruning`: early stopping, Oscar's pruners against Optuna 3.1's, on learning-curve
 * problems (scripts/bench/pruning_problems.py: a simulated training curve and an MLP trained by SGD
 * epoch by epoch, 50 steps a trial; also `mlp_sgd_100`, the same MLP trained for 100 epochs, by `--problems`), the same seeds and the same budget of total steps per run.
 *
 * Starts an Oscar server (tests/harness.ts: server/main.ts on a new SQLite database, a free port, no
 * rate limit),
 * runs pruning_workers.py (Oscar's Python client, a thread per worker, one experiment per run) for
 * each of Oscar's pruners (`none`, `median`, `percentile` 25, `asha` with its default min_step 5 and with
 * min_step 1 (`oscar-asha-1`), `hyperband` with max_step 50)
 * and pruning_optuna.py (TPE; MedianPruner, SuccessiveHalvingPruner, HyperbandPruner, and no pruner)
 * with /usr/bin/python3's python3-optuna, with 1 and with 8 workers; each run stops once its trials
 * have spent the budget in steps.
 *
 * Regret of a run after s steps: the best final value of the trials that ran to the end (not pruned)
 * by then, minus the problem's optimum (sim_curve: its known minimum; mlp_sgd: the best final value
 * any method reached in any run of this benchmark). Writes scripts/bench/results/pruning.jsonl (the
 * runs), pruning.md (the table and the goals) and pruning.svg (median regret against steps spent).
 *
 * usage: tsx scripts/bench/pruning.ts [--seeds 10] [--budget 600] [--workers 1,8] [--problems a,b]
 *          [--systems oscar-asha,optuna-sha,...] [--algorithm auto] [--jobs 2] [--quick] [--no-optuna]
 *          [--report FILE.jsonl]   (tables and plot from runs already made, no new runs)
 *          [--optimum mlp_sgd=0.497]   (a problem's optimum fixed, not the best of the runs read, so that runs compare)
 *          [--at 500,1000,3000]   (also the median regret at these steps)
 *          [--asha '{"type":"asha","min_step":5,"reduction":3}']   (the pruner `oscar-asha` runs with, to compare settings)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, startServer } from '../../tests/harness.ts';
import { median } from './common.ts';
import { writePanels } from './plot.ts';
import { hasOptuna, readRunFile, runAll, type Job } from './python-jobs.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '10' },
    budget: { type: 'string', default: '600' },
    workers: { type: 'string', default: '1,8' },
    problems: { type: 'string', default: 'sim_curve,mlp_sgd' },
    systems: { type: 'string' },
    algorithm: { type: 'string', default: 'auto' },
    jobs: { type: 'string', default: '2' },
    quick: { type: 'boolean', default: false },
    'no-optuna': { type: 'boolean', default: false },
    report: { type: 'string' },
    asha: { type: 'string' },
    optimum: { type: 'string' },
    at: { type: 'string' },
  },
});

/** `--optimum problem=value,...`: optima given on the command line, in place of the best final value of the runs read. */
const GIVEN_OPTIMA = new Map(
  (values.optimum ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const [problem, value] = pair.split('=');
      if (!problem || !Number.isFinite(Number(value))) throw new Error(`--optimum wants problem=number, got ${pair}`);
      return [problem, Number(value)] as const;
    }),
);

/** `--at`: the steps at which the report also gives each system's median regret. */
const AT_STEPS = (values.at ?? '').split(',').filter(Boolean).map(Number);
if (AT_STEPS.some((step) => !Number.isInteger(step) || step < 0)) throw new Error(`--at wants whole steps, got ${values.at}`);

const OUT = process.env.OSCAR_BENCH_OUT ?? join(ROOT, 'scripts/bench/results');
/** The steps of a full trial of most problems (pruning_problems.py). */
const STEPS = 50;
/** A run's full-trial steps: as it says, or (written before `trial_steps`) as its problem has them. */
const trialSteps = (run: Run): number => run.trial_steps ?? (run.problem === 'mlp_sgd_100' ? 100 : STEPS);

/** Oscar's pruners as the experiment dict names them. */
const OSCAR_PRUNERS: Readonly<Record<string, unknown>> = {
  'oscar-none': 'none',
  'oscar-median': 'median',
  'oscar-percentile': { type: 'percentile', percentile: 25 },
  // The default first rung (min_step 5, where a curve can first be extrapolated; rungs judge extrapolated final values).
  'oscar-asha': values.asha ? (JSON.parse(values.asha) as unknown) : { type: 'asha', reduction: 3 },
  // As the issue's example: the first rung at step 1, where too few values to extrapolate are compared as they are.
  'oscar-asha-1': { type: 'asha', min_step: 1, reduction: 3 },
  // max_step "steps": pruning_workers.py puts in the problem's trial length (50, or 100 for mlp_sgd_100).
  'oscar-hyperband': { type: 'hyperband', min_step: 1, max_step: 'steps', reduction: 3 },
};
const OPTUNA_PRUNERS = ['median', 'sha', 'hyperband', 'none'] as const;

const COLORS: Readonly<Record<string, string>> = {
  'oscar-none': '#7f7f7f',
  'oscar-median': '#d62728',
  'oscar-percentile': '#ff7f0e',
  'oscar-asha': '#9467bd',
  'oscar-asha-1': '#e377c2',
  'oscar-hyperband': '#8c564b',
  'optuna-median': '#1f77b4',
  'optuna-sha': '#17becf',
  'optuna-hyperband': '#2ca02c',
  'optuna-none': '#bcbd22',
};

/** One JSON line of pruning_workers.py / pruning_optuna.py. */
interface Run {
  readonly system: string;
  readonly workers: number;
  readonly problem: string;
  /** The steps of a full trial of the problem (absent in runs written before it was recorded: 50). */
  readonly trial_steps?: number;
  readonly seed: number;
  readonly budget: number;
  readonly steps: number;
  readonly trials: number;
  readonly pruned: number;
  /** The known minimum of the final value, or null (then the best any run found). */
  readonly optimum: number | null;
  /** The trials that ran to the end: [steps spent by the run when it finished, final value, params]. */
  readonly finished: readonly (readonly [number, number, unknown])[];
  readonly seconds: number;
  readonly errors: readonly string[];
}


/** The problem's optimum: known, or the best final value of any run of it. */
function optimumOf(runs: readonly Run[], problem: string): number {
  const given = GIVEN_OPTIMA.get(problem);
  if (given !== undefined) return given;
  const mine = runs.filter((r) => r.problem === problem);
  const known = mine.find((r) => r.optimum !== null)?.optimum;
  if (known !== undefined && known !== null) return known;
  return Math.min(...mine.flatMap((r) => r.finished.map((f) => f[1])));
}

/** A run's regret after each step 0..budget (Infinity before a trial finished). */
function regretCurve(run: Run, optimum: number): Float64Array {
  const curve = new Float64Array(run.budget + 1).fill(Number.POSITIVE_INFINITY);
  let best = Number.POSITIVE_INFINITY;
  let next = 0;
  const finished = [...run.finished].sort((a, b) => a[0] - b[0]);
  for (let s = 0; s <= run.budget; s++) {
    while (next < finished.length && finished[next]![0] <= s) best = Math.min(best, finished[next++]![1]);
    curve[s] = best - optimum;
  }
  return curve;
}

/** The median across runs at each step. */
function medianCurve(curves: readonly Float64Array[]): Float64Array {
  const length = Math.min(...curves.map((c) => c.length));
  return Float64Array.from({ length }, (_, s) => median(curves.map((c) => c[s]!)));
}

/** The first step at which a curve is at or below `target`, or Infinity. */
function stepsTo(curve: Float64Array, target: number): number {
  const s = curve.findIndex((v) => v <= target);
  return s < 0 ? Number.POSITIVE_INFINITY : s;
}

function fmt(value: number): string {
  if (!Number.isFinite(value)) return '∞';
  if (value === 0) return '0';
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

interface Row {
  readonly problem: string;
  readonly system: string;
  readonly workers: number;
  readonly seeds: number;
  readonly steps: number;
  readonly trials: number;
  readonly completed: number;
  readonly regret: number;
  readonly stepsToNone: number;
  readonly curve: Float64Array;
  readonly errors: number;
}

function analyse(runs: readonly Run[]): Row[] {
  const rows: Row[] = [];
  const keys = [...new Set(runs.map((r) => `${r.problem}\t${r.workers}`))];
  for (const key of keys) {
    const [problem, workers] = [key.split('\t')[0]!, Number(key.split('\t')[1])];
    const optimum = optimumOf(runs, problem);
    const mine = runs.filter((r) => r.problem === problem && r.workers === workers);
    const systems = [...new Set(mine.map((r) => r.system))].sort();
    const curves = new Map(systems.map((system) => [system, medianCurve(mine.filter((r) => r.system === system).map((r) => regretCurve(r, optimum)))]));
    const none = curves.get('oscar-none');
    const target = none ? none[none.length - 1]! : Number.NaN;
    for (const system of systems) {
      const group = mine.filter((r) => r.system === system);
      const curve = curves.get(system)!;
      rows.push({
        problem,
        system,
        workers,
        seeds: group.length,
        steps: median(group.map((r) => r.steps)),
        trials: median(group.map((r) => r.trials)),
        completed: median(group.map((r) => r.finished.length)),
        regret: curve[curve.length - 1]!,
        stepsToNone: Number.isNaN(target) ? Number.NaN : stepsTo(curve, target),
        curve,
        errors: group.reduce((n, r) => n + r.errors.length, 0),
      });
    }
  }
  return rows;
}

/** The goals of the issue, one line each, from the rows. */
function goals(rows: readonly Row[]): string[] {
  const lines: string[] = [];
  const groups = [...new Set(rows.map((r) => `${r.problem}\t${r.workers}`))];
  for (const key of groups) {
    const [problem, workers] = [key.split('\t')[0]!, Number(key.split('\t')[1])];
    const mine = rows.filter((r) => r.problem === problem && r.workers === workers);
    const optuna = mine.filter((r) => r.system.startsWith('optuna-') && r.system !== 'optuna-none');
    const oscar = mine.filter((r) => r.system.startsWith('oscar-') && r.system !== 'oscar-none');
    if (optuna.length && oscar.length) {
      const bestOptuna = optuna.reduce((a, b) => (b.regret < a.regret ? b : a));
      const verdicts = oscar.map((r) => `${r.system.slice(6)} ${fmt(r.regret)} ${r.regret <= bestOptuna.regret ? '≤' : '>'}`).join(', ');
      const bestOscar = oscar.reduce((a, b) => (b.regret < a.regret ? b : a));
      lines.push(
        `- ${problem}, ${workers} worker(s): Optuna's best pruner (${bestOptuna.system.slice(7)}) ${fmt(bestOptuna.regret)}; Oscar ${verdicts} ` +
          `→ best Oscar (${bestOscar.system.slice(6)}) ${bestOscar.regret <= bestOptuna.regret ? 'met' : 'not met'} (${fmt(bestOscar.regret / bestOptuna.regret)}× Optuna's)`,
      );
    }
    const none = mine.find((r) => r.system === 'oscar-none');
    const asha = mine.find((r) => r.system === 'oscar-asha');
    if (none && asha) {
      const ratio = none.stepsToNone / asha.stepsToNone;
      lines.push(
        `- ${problem}, ${workers} worker(s): asha reaches no pruning's final regret (${fmt(none.regret)}) at ${fmt(asha.stepsToNone)} steps, ` +
          `none at ${fmt(none.stepsToNone)}: ${fmt(ratio)}× fewer steps → ${ratio >= 3 ? 'met' : 'not met'} (goal 3×)`,
      );
    }
  }
  return lines;
}

function report(runs: readonly Run[], seconds: number | null): string {
  const rows = analyse(runs);
  const budget = runs[0]?.budget ?? 0;
  const seeds = Math.max(...rows.map((r) => r.seeds));
  let md = `# Pruning benchmark (\`npm run bench:pruning\`)\n\n`;
  const lengths = [...new Set(runs.map(trialSteps))].map((steps) => `${budget / steps} full trials of ${steps} steps`);
  md += `${seeds} seeds, ${budget} steps per run (${lengths.join('; ')}), Oscar's optimizer \`${values.algorithm}\`, Optuna 3.1 TPE.`;
  md += seconds === null ? '\n\n' : ` Whole run: ${(seconds / 60).toFixed(1)} min.\n\n`;
  md += `Medians across seeds. *regret*: best final value of a trial that ran to the end minus the optimum, once the run spent its budget; `;
  md += `*steps to none's regret*: the steps at which the median regret curve reaches the final median regret of \`oscar-none\` (same problem, same workers).\n\n`;
  md += '| problem | workers | system | total steps | trials | ran to the end | final regret | steps to none\'s regret |\n|---|---|---|---|---|---|---|---|\n';
  for (const r of rows) {
    md += `| ${r.problem} | ${r.workers} | ${r.system} | ${fmt(r.steps)} | ${fmt(r.trials)} | ${fmt(r.completed)} | ${fmt(r.regret)} | ${fmt(r.stepsToNone)} |${r.errors ? ` ${r.errors} errors` : ''}\n`;
  }
  if (AT_STEPS.length) {
    md += `\nMedian regret at ${AT_STEPS.join(' / ')} steps:\n\n| problem | workers | system | ${AT_STEPS.map((s) => `at ${s}`).join(' | ')} |\n|---|---|---|${AT_STEPS.map(() => '---|').join('')}\n`;
    for (const r of rows) md += `| ${r.problem} | ${r.workers} | ${r.system} | ${AT_STEPS.map((s) => fmt(r.curve[s] ?? Number.NaN)).join(' | ')} |\n`;
  }
  const source = (p: string) => (GIVEN_OPTIMA.has(p) ? ' (given)' : runs.find((r) => r.problem === p)?.optimum === null ? ' (best of all runs)' : ' (known)');
  const optima = [...new Set(runs.map((r) => r.problem))].map((p) => `${p} ${fmt(optimumOf(runs, p))}${source(p)}`);
  md += `\nOptima: ${optima.join(', ')}.\n\nGoals:\n${goals(rows).join('\n')}\n`;
  writePanels(
    { title: `Median regret against steps spent (log scale), ${seeds} seeds`, xName: 'steps spent', colors: COLORS, columns: 2 },
    rows
      .map((r) => `${r.problem}\t${r.workers}`)
      .filter((key, i, all) => all.indexOf(key) === i)
      .map((key) => {
        const [problem, workers] = key.split('\t');
        return {
          title: `${problem}, ${workers} worker(s)`,
          lines: rows
            .filter((r) => `${r.problem}\t${r.workers}` === key)
            .map((r) => ({
              name: r.system,
              data: [...r.curve].flatMap((v, s) => (s % 5 === 0 && Number.isFinite(v) ? [[s, Math.max(v, 1e-4)] as const] : [])),
            })),
        };
      }),
    join(OUT, 'pruning.svg'),
  );
  writeFileSync(join(OUT, 'pruning.md'), md);
  return md;
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  if (values.report) {
    console.log(report(readRunFile<Run>(values.report), null));
    return;
  }
  const seeds = Array.from({ length: values.quick ? 3 : Number(values.seeds) }, (_, i) => i).join(',');
  const budget = values.budget!;
  const workers = values.workers!.split(',');
  const chosen = values.systems?.split(',');
  const wanted = (system: string) => !chosen || chosen.includes(system);
  const optuna = hasOptuna(!values['no-optuna']);
  const common = ['--problems', values.problems!, '--seeds', seeds, '--budget', budget];
  const t0 = Date.now();
  // Every report is a request: thousands a minute from one token, above the default rate limit.
  const server = await startServer({ env: { OSCAR_RATE_LIMIT: '100000000' } });
  const runs: Run[] = [];
  const file = join(OUT, 'pruning.jsonl');
  writeFileSync(file, '');
  try {
    const token = await server.token('pruning@example.com');
    const tag = `r${Date.now()}`;
    const jobs: Job[] = [];
    for (const w of workers) {
      for (const [system, pruner] of Object.entries(OSCAR_PRUNERS).filter(([s]) => wanted(s))) {
        const args = ['--url', server.url, '--token', token, '--pruner', JSON.stringify(pruner), '--system', system, '--algorithm', values.algorithm!, '--workers', w, '--tag', tag];
        jobs.push({ label: `${system} w${w}`, args: ['scripts/bench/pruning_workers.py', ...args, ...common] });
      }
      for (const pruner of OPTUNA_PRUNERS.filter((p) => optuna && wanted(`optuna-${p}`))) {
        jobs.push({ label: `optuna-${pruner} w${w}`, args: ['scripts/bench/pruning_optuna.py', '--pruner', pruner, '--workers', w, ...common] });
      }
    }
    console.error(`pruning benchmark: ${jobs.length} configurations × ${values.problems} × seeds ${seeds}, ${budget} steps per run, server ${server.url}`);
    await runAll<Run>(jobs, Number(values.jobs), (run) => {
      runs.push(run);
      writeFileSync(file, `${JSON.stringify(run)}\n`, { flag: 'a' });
      if (run.errors.length) console.error(`  ${run.system} w${run.workers} ${run.problem} seed ${run.seed}: ${run.errors[0]}`);
    });
  } finally {
    await server.stop();
  }
  console.log(report(runs, (Date.now() - t0) / 1000));
  console.log(`runs, table and plot in ${OUT}`);
}

await main();
