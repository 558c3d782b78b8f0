/**
 * `npm run bench:multi`: several objectives and constraints, Oscar against Optuna 3.1's NSGA-II and
 * multi-objective TPE, on two-objective problems (scripts/bench/multi_problems.py: ZDT1 and ZDT2 in 5
 * variables, BoTorch's constrained Branin-Currin), the same seeds and the same number of trials.
 *
 * Starts an Oscar server (tests/harness.ts: server/main.ts on a new SQLite database, a free port, no
 * rate limit), runs multi_workers.py (Oscar's Python client, a thread per worker, one experiment per
 * run, the experiment's `algorithm`) and multi_optuna.py (NSGAIISampler and TPESampler with their
 * defaults, the constraints through `constraints_func`) with /usr/bin/python3's python3-optuna, with 1
 * and with 8 workers (threads sharing one experiment, or one study).
 *
 * The measure: the hypervolume of the feasible results so far (two objectives: sort and sweep), to the
 * problem's fixed reference point, after each result. Writes scripts/bench/results/multi.jsonl (the
 * runs), multi.md (the table and the goals) and multi.svg (the median gap to the best hypervolume known
 * against trials).
 *
 * usage: tsx scripts/bench/multi.ts [--seeds 10] [--trials 100] [--workers 1,8] [--problems a,b]
 *          [--systems oscar,optuna-nsga2,optuna-motpe] [--algorithm auto] [--jobs 2] [--quick] [--no-optuna]
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
    trials: { type: 'string', default: '100' },
    workers: { type: 'string', default: '1,8' },
    problems: { type: 'string', default: 'zdt1,zdt2,branin_currin_c' },
    systems: { type: 'string' },
    algorithm: { type: 'string', default: 'auto' },
    jobs: { type: 'string', default: '2' },
    quick: { type: 'boolean', default: false },
    'no-optuna': { type: 'boolean', default: false },
    report: { type: 'string' },
  },
});

const OUT = process.env.OSCAR_BENCH_OUT ?? join(ROOT, 'scripts/bench/results');
const OPTUNA_SAMPLERS = ['nsga2', 'motpe'] as const;

const COLORS: Readonly<Record<string, string>> = {
  'oscar w1': '#d62728',
  'oscar w8': '#ff7f0e',
  'optuna-nsga2 w1': '#2ca02c',
  'optuna-nsga2 w8': '#98df8a',
  'optuna-motpe w1': '#1f77b4',
  'optuna-motpe w8': '#17becf',
};

/** One JSON line of multi_workers.py / multi_optuna.py (multi_problems.run_line). */
interface Run {
  readonly system: string;
  readonly workers: number;
  readonly problem: string;
  readonly seed: number;
  readonly trials: number;
  readonly reference: readonly number[];
  readonly max_hypervolume: number;
  /** The hypervolume of the feasible results among the first k, k = 1..results. */
  readonly hypervolume: readonly number[];
  /** The results in the order they came back: [objective 1, objective 2, feasible, params]. */
  readonly results: readonly (readonly [number, number, boolean, unknown])[];
  /** Oscar only: the hypervolume of the experiment's Pareto front as the server gives it. */
  readonly server_front_hypervolume?: number;
  readonly seconds: number;
  readonly errors: readonly string[];
}


/** The median across runs after each result. */
function medianCurve(curves: readonly (readonly number[])[]): number[] {
  const length = Math.min(...curves.map((c) => c.length));
  return Array.from({ length }, (_, k) => median(curves.map((c) => c[k]!)));
}

function fmt(value: number): string {
  if (!Number.isFinite(value)) return '∞';
  return Math.abs(value) >= 100 ? value.toFixed(1) : value.toPrecision(4);
}

interface Row {
  readonly problem: string;
  readonly system: string;
  readonly workers: number;
  readonly seeds: number;
  readonly maxHypervolume: number;
  /** The median of the runs' final hypervolumes. */
  readonly hypervolume: number;
  readonly feasible: number;
  readonly seconds: number;
  readonly curve: readonly number[];
  readonly errors: number;
  /** Oscar's runs whose server-side Pareto front has another hypervolume than their results. */
  readonly frontMismatches: number;
}

function analyse(runs: readonly Run[]): Row[] {
  const keys = [...new Set(runs.map((r) => `${r.problem}\t${r.workers}\t${r.system}`))];
  return keys.map((key) => {
    const [problem, workers, system] = key.split('\t') as [string, string, string];
    const group = runs.filter((r) => r.problem === problem && r.workers === Number(workers) && r.system === system);
    return {
      problem,
      system,
      workers: Number(workers),
      seeds: group.length,
      maxHypervolume: group[0]!.max_hypervolume,
      hypervolume: median(group.map((r) => r.hypervolume.at(-1) ?? 0)),
      feasible: median(group.map((r) => r.results.filter((x) => x[2]).length)),
      seconds: median(group.map((r) => r.seconds)),
      curve: medianCurve(group.map((r) => r.hypervolume)),
      errors: group.reduce((n, r) => n + r.errors.length, 0),
      frontMismatches: group.filter((r) => r.server_front_hypervolume !== undefined && Math.abs(r.server_front_hypervolume - (r.hypervolume.at(-1) ?? 0)) > 1e-9 * r.max_hypervolume).length,
    };
  });
}

/** The best Optuna sampler's row for the problem and worker count, if any ran. */
function bestOptuna(rows: readonly Row[], row: Row): Row | undefined {
  return rows
    .filter((r) => r.problem === row.problem && r.workers === row.workers && r.system.startsWith('optuna-'))
    .reduce<Row | undefined>((best, r) => (!best || r.hypervolume > best.hypervolume ? r : best), undefined);
}

/** The goal of the issue, one line per problem and worker count: Oscar's median above both Optuna samplers'. */
function goals(rows: readonly Row[]): string[] {
  return rows
    .filter((r) => r.system.startsWith('oscar'))
    .flatMap((oscar) => {
      const best = bestOptuna(rows, oscar);
      if (!best) return [];
      const met = oscar.hypervolume > best.hypervolume;
      return [
        `- ${oscar.problem}, ${oscar.workers} worker(s): ${oscar.system} ${fmt(oscar.hypervolume)}, best Optuna (${best.system.slice(7)}) ${fmt(best.hypervolume)} ` +
          `→ ${met ? 'met' : 'not met'} (gap to the best known ${fmt(oscar.maxHypervolume - oscar.hypervolume)} against ${fmt(best.maxHypervolume - best.hypervolume)})`,
      ];
    });
}

function report(runs: readonly Run[], seconds: number | null): string {
  const order = [...new Set([...values.problems!.split(','), ...runs.map((r) => r.problem)])];
  const rows = analyse(runs).sort((a, b) => order.indexOf(a.problem) - order.indexOf(b.problem) || a.workers - b.workers || a.system.localeCompare(b.system));
  const seeds = Math.max(...rows.map((r) => r.seeds));
  const trials = Math.max(...runs.map((r) => r.trials));
  const references = order.flatMap((p) => runs.filter((r) => r.problem === p).slice(0, 1)).map((r) => `${r.problem} (${r.reference.join(', ')}), best known ${fmt(r.max_hypervolume)}`);
  let md = `# Multi-objective benchmark (\`npm run bench:multi\`)\n\n`;
  md += `${seeds} seeds × ${trials} trials, Oscar's optimizer \`${values.algorithm}\`, Optuna 3.1's NSGAIISampler (\`optuna-nsga2\`) and multi-objective TPESampler (\`optuna-motpe\`) with their defaults.`;
  md += seconds === null ? '\n\n' : ` Whole run: ${(seconds / 60).toFixed(1)} min.\n\n`;
  md += `*hypervolume*: of the feasible results, to the problem's reference point, after the last trial, median across seeds; `;
  md += `*÷ best Optuna*: that median divided by the better of the two Optuna samplers' (same problem, same workers). `;
  md += `Reference points and best known hypervolumes: ${references.join('; ')}.\n\n`;
  md += '| problem | workers | system | hypervolume | ÷ best Optuna | % of best known | feasible trials | seconds a run |\n|---|---|---|---|---|---|---|---|\n';
  for (const r of rows) {
    const best = bestOptuna(rows, r);
    const ratio = best ? fmt(r.hypervolume / best.hypervolume) : '';
    const notes = [r.errors ? `${r.errors} errors` : '', r.frontMismatches ? `${r.frontMismatches} server fronts differ` : ''].filter(Boolean).join(', ');
    md += `| ${r.problem} | ${r.workers} | ${r.system} | ${fmt(r.hypervolume)} | ${ratio} | ${(100 * r.hypervolume / r.maxHypervolume).toFixed(1)} | ${r.feasible} | ${r.seconds.toFixed(1)} |${notes ? ` ${notes}` : ''}\n`;
  }
  const checked = runs.filter((r) => r.server_front_hypervolume !== undefined);
  const mismatched = rows.reduce((n, r) => n + r.frontMismatches, 0);
  md += `\nOscar's own Pareto front (\`pareto_front\`) has the hypervolume of the results in ${checked.length - mismatched} of ${checked.length} runs.\n`;
  md += `\nGoals (Oscar's median final hypervolume above both Optuna samplers'):\n${goals(rows).join('\n')}\n`;
  writePanels(
    { title: `Median gap to the best known hypervolume (log scale), ${seeds} seeds`, xName: 'trials', colors: COLORS, columns: 3, xMin: 1 },
    order.filter((p) => rows.some((r) => r.problem === p)).map((problem) => ({
      title: problem,
      lines: rows
        .filter((r) => r.problem === problem)
        .map((r) => ({
          name: `${r.system} w${r.workers}`,
          data: r.curve.map((hv, k) => [k + 1, Math.max(r.maxHypervolume - hv, 1e-4 * r.maxHypervolume)] as const),
        })),
    })),
    join(OUT, 'multi.svg'),
  );
  writeFileSync(join(OUT, 'multi.md'), md);
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
  const chosen = values.systems?.split(',');
  const wanted = (system: string) => !chosen || chosen.includes(system);
  const optuna = hasOptuna(!values['no-optuna']);
  const common = ['--seeds', seeds, '--trials', values.trials!];
  const t0 = Date.now();
  const server = await startServer({ env: { OSCAR_RATE_LIMIT: '100000000' } });
  const runs: Run[] = [];
  const file = join(OUT, 'multi.jsonl');
  writeFileSync(file, '');
  try {
    const token = await server.token('multi@example.com');
    const tag = `r${Date.now()}`;
    // Oscar's runs first, a job per problem (they take the longest); Optuna's after, a job per sampler.
    const jobs: Job[] = [];
    for (const w of values.workers!.split(',')) {
      for (const problem of problems.filter(() => wanted('oscar'))) {
        const args = ['--url', server.url, '--token', token, '--algorithm', values.algorithm!, '--workers', w, '--tag', tag, '--problems', problem];
        jobs.push({ label: `oscar w${w} ${problem}`, args: ['scripts/bench/multi_workers.py', ...args, ...common] });
      }
    }
    for (const w of values.workers!.split(',')) {
      for (const sampler of OPTUNA_SAMPLERS.filter((s) => optuna && wanted(`optuna-${s}`))) {
        jobs.push({ label: `optuna-${sampler} w${w}`, args: ['scripts/bench/multi_optuna.py', '--sampler', sampler, '--workers', w, '--problems', values.problems!, ...common] });
      }
    }
    console.error(`multi-objective benchmark: ${jobs.length} jobs, ${values.problems} × seeds ${seeds}, ${values.trials} trials a run, server ${server.url}`);
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
