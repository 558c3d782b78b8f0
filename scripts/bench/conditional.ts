/**
 * `npm run bench:conditional`: conditional parameter spaces (issue 14), Oscar against Optuna 3.1's TPE
 * on its define-by-run space, on the problems of scripts/bench/conditional_problems.py (a synthetic model
 * selection with a known minimum, and model selection on scikit-learn's digits), the same seeds and the
 * same number of trials. Part of the benchmark suite beside `npm run bench`.
 *
 * Starts an Oscar server (tests/harness.ts), runs conditional_workers.py (Oscar's Python client, a
 * thread per worker, one experiment per run, `auto` and `tpe`; every job is checked to hold exactly the
 * active parameters) and conditional_optuna.py (TPESampler with its defaults, and with
 * `multivariate=True, group=True`) with /usr/bin/python3's python3-optuna and python3-sklearn, with 1
 * and with 8 workers (threads sharing one experiment, or one study).
 *
 * The measure: regret, the best loss so far minus the problem's minimum (known for the synthetic
 * problem; for the real one, the best loss any run of any system found). Writes
 * scripts/bench/results/conditional.jsonl (the runs), conditional.md (the table and the goals) and
 * conditional.svg (the median regret against trials).
 *
 * usage: tsx scripts/bench/conditional.ts [--seeds 10] [--trials 60] [--workers 1,8] [--problems a,b]
 *          [--algorithms auto,tpe] [--samplers tpe,tpe_mv] [--jobs 2] [--quick] [--no-optuna]
 *          [--report FILE.jsonl]   (table and plot from runs already made, no new runs)
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
    trials: { type: 'string', default: '60' },
    workers: { type: 'string', default: '1,8' },
    problems: { type: 'string', default: 'model_select,digits_models' },
    algorithms: { type: 'string', default: 'auto,tpe' },
    samplers: { type: 'string', default: 'tpe,tpe_mv' },
    jobs: { type: 'string', default: '2' },
    quick: { type: 'boolean', default: false },
    'no-optuna': { type: 'boolean', default: false },
    report: { type: 'string' },
  },
});

const OUT = process.env.OSCAR_BENCH_OUT ?? join(ROOT, 'scripts/bench/results');

const COLORS: Readonly<Record<string, string>> = {
  'oscar-auto': '#d62728',
  'oscar-tpe': '#ff7f0e',
  'optuna-tpe': '#1f77b4',
  'optuna-tpe_mv': '#17becf',
};

/** One JSON line of conditional_workers.py / conditional_optuna.py (conditional_problems.run_line). */
interface Run {
  readonly system: string;
  readonly workers: number;
  readonly problem: string;
  readonly seed: number;
  readonly trials: number;
  /** The known minimum, or null (then the best loss of any run). */
  readonly optimum: number | null;
  /** The top choice whose branches compete (`family`, `model`). */
  readonly branch: string;
  /** The known minimum's choice there, or null. */
  readonly optimum_branch: string | null;
  /** The losses in the order they came back. */
  readonly losses: readonly number[];
  /** The best loss among the first k, k = 1..losses. */
  readonly best: readonly number[];
  /** Each trial's choice of `branch`, in the same order. */
  readonly branches: readonly string[];
  readonly best_params: Readonly<Record<string, unknown>> | null;
  readonly seconds: number;
  /** Oscar only: jobs that did not hold exactly the active parameters, within their specs. */
  readonly violations: number;
  readonly violation_examples: readonly string[];
  readonly errors: readonly string[];
}

/** Each problem's minimum: the known one, else the best loss of any run; and the branch it lies in. */
interface Minimum {
  readonly value: number;
  readonly known: boolean;
  readonly branch: string;
}

function minima(runs: readonly Run[]): Map<string, Minimum> {
  const out = new Map<string, Minimum>();
  for (const problem of new Set(runs.map((r) => r.problem))) {
    const mine = runs.filter((r) => r.problem === problem && r.best.length);
    const best = mine.reduce((a, b) => (b.best.at(-1)! < a.best.at(-1)! ? b : a));
    const { optimum, optimum_branch: branch } = mine[0]!;
    out.set(problem, {
      value: optimum ?? best.best.at(-1)!,
      known: optimum !== null,
      branch: optimum !== null && branch !== null ? branch : String(best.best_params?.[best.branch]),
    });
  }
  return out;
}

function fmt(value: number): string {
  if (value === 0) return '0';
  return Math.abs(value) >= 100 ? value.toFixed(1) : value.toPrecision(3);
}

interface Row {
  readonly problem: string;
  readonly system: string;
  readonly workers: number;
  readonly seeds: number;
  /** The median of the runs' final regrets. */
  readonly regret: number;
  readonly regrets: ReadonlyMap<number, number>;
  /** Runs whose best trial is in the minimum's branch. */
  readonly inBestBranch: number;
  /** The median share of trials spent in the minimum's branch. */
  readonly bestBranchShare: number;
  readonly seconds: number;
  readonly curve: readonly number[];
  readonly violations: number;
  readonly jobs: number;
  readonly errors: number;
}

function analyse(runs: readonly Run[], min: ReadonlyMap<string, Minimum>): Row[] {
  const keys = [...new Set(runs.map((r) => `${r.problem}\t${r.workers}\t${r.system}`))];
  return keys.map((key) => {
    const [problem, workers, system] = key.split('\t') as [string, string, string];
    const group = runs.filter((r) => r.problem === problem && r.workers === Number(workers) && r.system === system);
    const { value, branch } = min.get(problem)!;
    const length = Math.min(...group.map((r) => r.best.length));
    return {
      problem,
      system,
      workers: Number(workers),
      seeds: group.length,
      regret: median(group.map((r) => r.best.at(-1)! - value)),
      regrets: new Map(group.map((r) => [r.seed, r.best.at(-1)! - value])),
      inBestBranch: group.filter((r) => r.best_params?.[r.branch] === branch).length,
      bestBranchShare: median(group.map((r) => r.branches.filter((b) => b === branch).length / r.branches.length)),
      seconds: median(group.map((r) => r.seconds)),
      curve: Array.from({ length }, (_, k) => median(group.map((r) => r.best[k]! - value))),
      violations: group.reduce((n, r) => n + r.violations, 0),
      jobs: group.reduce((n, r) => n + r.losses.length, 0),
      errors: group.reduce((n, r) => n + r.errors.length, 0),
    };
  });
}

/** The Optuna configuration with the lowest median final regret for the problem and worker count. */
function bestOptuna(rows: readonly Row[], row: Row): Row | undefined {
  return rows
    .filter((r) => r.problem === row.problem && r.workers === row.workers && r.system.startsWith('optuna-'))
    .reduce<Row | undefined>((best, r) => (!best || r.regret < best.regret ? r : best), undefined);
}

/** Seeds on which `a`'s final regret is at or below `b`'s. */
function seedWins(a: Row, b: Row): string {
  const shared = [...a.regrets.keys()].filter((seed) => b.regrets.has(seed));
  return `${shared.filter((seed) => a.regrets.get(seed)! <= b.regrets.get(seed)!).length}/${shared.length}`;
}

/** The goal of issue 14, one line per Oscar configuration, problem and worker count. */
function goals(rows: readonly Row[]): string[] {
  return rows
    .filter((r) => r.system.startsWith('oscar-'))
    .flatMap((oscar) => {
      const best = bestOptuna(rows, oscar);
      if (!best) return [];
      const met = oscar.regret <= best.regret;
      return [
        `- ${oscar.problem}, ${oscar.workers} worker(s), ${oscar.system}: ${fmt(oscar.regret)} against ${best.system} ${fmt(best.regret)} ` +
          `→ **${met ? 'met' : 'not met'}** (at or below it on ${seedWins(oscar, best)} seeds)`,
      ];
    });
}

function report(runs: readonly Run[], seconds: number | null): string {
  const order = [...new Set([...values.problems!.split(','), ...runs.map((r) => r.problem)])];
  const systemOrder = ['oscar-auto', 'oscar-tpe', 'optuna-tpe', 'optuna-tpe_mv'];
  const min = minima(runs);
  const rows = analyse(runs, min).sort(
    (a, b) => order.indexOf(a.problem) - order.indexOf(b.problem) || a.workers - b.workers || systemOrder.indexOf(a.system) - systemOrder.indexOf(b.system),
  );
  const systems = systemOrder.filter((s) => rows.some((r) => r.system === s));
  const seeds = Math.max(...rows.map((r) => r.seeds));
  const trials = Math.max(...runs.map((r) => r.trials));
  let md = `# Conditional parameter spaces (\`npm run bench:conditional\`)\n\n`;
  md += `${seeds} seeds × ${trials} trials; Oscar (Python client) with \`auto\` (the GP) and \`tpe\`; Optuna 3.1's TPESampler on its define-by-run space with its defaults (\`optuna-tpe\`) and with \`multivariate=True, group=True\` (\`optuna-tpe_mv\`). `;
  md += `Workers: threads sharing one experiment (Oscar) or one study (Optuna).`;
  md += seconds === null ? '\n\n' : ` Whole run: ${(seconds / 60).toFixed(1)} min.\n\n`;
  md += `*Regret*: the best loss after the last trial minus the problem's minimum, median across seeds. Minimum: `;
  md += order
    .filter((p) => min.has(p))
    .map((p) => `${p} ${fmt(min.get(p)!.value)} (${min.get(p)!.known ? 'known' : 'the best loss any run of any system found'}; in branch \`${min.get(p)!.branch}\`)`)
    .join('; ');
  md += '.\n\n';
  md += `| problem | workers | ${systems.join(' | ')} |\n|---|---|${systems.map(() => '---|').join('')}\n`;
  for (const problem of order) {
    for (const workers of [...new Set(rows.filter((r) => r.problem === problem).map((r) => r.workers))]) {
      const cells = systems.map((s) => rows.find((r) => r.problem === problem && r.workers === workers && r.system === s));
      const lowest = Math.min(...cells.map((c) => c?.regret ?? Infinity));
      md += `| ${problem} | ${workers} | ${cells.map((c) => (c ? (c.regret === lowest ? `**${fmt(c.regret)}**` : fmt(c.regret)) : '')).join(' | ')} |\n`;
    }
  }
  md += `\nDetails: *best branch*, the runs whose best trial is in the minimum's branch; *share*, the median share of trials spent in that branch; *jobs checked*, the jobs Oscar handed out that held exactly the active parameters, within their specs.\n\n`;
  md += '| problem | workers | system | regret | best branch | share | seconds a run | jobs checked | errors |\n|---|---|---|---|---|---|---|---|---|\n';
  for (const r of rows) {
    const checked = r.system.startsWith('oscar-') ? `${r.jobs - r.violations}/${r.jobs}` : '';
    md += `| ${r.problem} | ${r.workers} | ${r.system} | ${fmt(r.regret)} | ${r.inBestBranch}/${r.seeds} | ${r.bestBranchShare.toFixed(2)} | ${r.seconds.toFixed(1)} | ${checked} | ${r.errors} |\n`;
  }
  const oscarJobs = rows.filter((r) => r.system.startsWith('oscar-'));
  const violations = oscarJobs.reduce((n, r) => n + r.violations, 0);
  md += `\nJobs with inactive, missing or out-of-spec parameters: ${violations} of ${oscarJobs.reduce((n, r) => n + r.jobs, 0)}.`;
  const examples = runs.flatMap((r) => r.violation_examples.map((e) => `${r.system} w${r.workers} ${r.problem} seed ${r.seed}: ${e}`)).slice(0, 5);
  md += examples.length ? `\n\n${examples.map((e) => `- ${e}`).join('\n')}\n` : '\n';
  md += `\nGoals (Oscar's median final regret at or below the best Optuna configuration's; the issue's goal is for Oscar's default, \`auto\`):\n${goals(rows).join('\n')}\n`;
  const floor = (problem: string) => (min.get(problem)!.known ? 1e-6 : 1e-4);
  md += `\nPlot (conditional.svg): median regret of the best trial so far against trials, log scale; a median of 0 is drawn at ${order.map((p) => `${floor(p)} (${p})`).join(', ')}.\n`;
  writePanels(
    { title: `Median regret of the best trial so far (log scale), ${seeds} seeds`, xName: 'trials', colors: COLORS, columns: 2, xMin: 1 },
    order.flatMap((problem) =>
      [...new Set(rows.filter((r) => r.problem === problem).map((r) => r.workers))].map((workers) => ({
        title: `${problem}, ${workers} worker${workers === 1 ? '' : 's'}`,
        lines: rows
          .filter((r) => r.problem === problem && r.workers === workers)
          .map((r) => ({ name: r.system, data: r.curve.map((regret, k) => [k + 1, Math.max(regret, floor(problem))] as const) })),
      })),
    ),
    join(OUT, 'conditional.svg'),
  );
  writeFileSync(join(OUT, 'conditional.md'), md);
  return md;
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  if (values.report) {
    console.log(report(readRunFile<Run>(values.report), null));
    return;
  }
  const seeds = Array.from({ length: values.quick ? 3 : Number(values.seeds) }, (_, i) => i).join(',');
  const problems = values.problems!.split(',');
  const optuna = hasOptuna(!values['no-optuna']);
  const common = ['--seeds', seeds, '--trials', values.trials!];
  const t0 = Date.now();
  const server = await startServer({ env: { OSCAR_RATE_LIMIT: '100000000' } });
  const runs: Run[] = [];
  const file = join(OUT, 'conditional.jsonl');
  writeFileSync(file, '');
  try {
    const token = await server.token('conditional@example.com');
    const tag = `r${Date.now()}`;
    // Oscar's runs first, a job per algorithm, worker count and problem (they take the longest); Optuna's after.
    const jobs: Job[] = [];
    for (const w of values.workers!.split(',')) {
      for (const algorithm of values.algorithms!.split(',').filter(Boolean)) {
        for (const problem of problems) {
          const args = ['--url', server.url, '--token', token, '--algorithm', algorithm, '--workers', w, '--tag', tag, '--problems', problem];
          jobs.push({ label: `oscar-${algorithm} w${w} ${problem}`, args: ['scripts/bench/conditional_workers.py', ...args, ...common] });
        }
      }
    }
    for (const w of values.workers!.split(',')) {
      for (const sampler of values.samplers!.split(',').filter((s) => optuna && s)) {
        for (const problem of problems) {
          const args = ['--sampler', sampler, '--workers', w, '--problems', problem];
          jobs.push({ label: `optuna-${sampler} w${w} ${problem}`, args: ['scripts/bench/conditional_optuna.py', ...args, ...common] });
        }
      }
    }
    console.error(`conditional benchmark: ${jobs.length} jobs, ${values.problems} × seeds ${seeds}, ${values.trials} trials a run, server ${server.url}`);
    await runAll<Run>(jobs, Number(values.jobs), (run) => {
      runs.push(run);
      writeFileSync(file, `${JSON.stringify(run)}\n`, { flag: 'a' });
      if (run.errors.length) console.error(`  ${run.system} w${run.workers} ${run.problem} seed ${run.seed}: ${run.errors[0]}`);
      if (run.violations) console.error(`  ${run.system} w${run.workers} ${run.problem} seed ${run.seed}: ${run.violations} faulty jobs, ${run.violation_examples[0]}`);
    });
  } finally {
    await server.stop();
  }
  console.log(report(runs, (Date.now() - t0) / 1000));
  console.log(`runs, table and plot in ${OUT}`);
}

await main();
