/**
 * How well a curve's value at an early step, and the final value extrapolated from the steps so far
 * (server/pruners/learning-curve.ts), tell which configurations finish best, on random configurations
 * of the pruning benchmark's problems (pruning_curves.py): per step, the rank correlation (Spearman)
 * with the final value, the share of the best tenth that a cut to the best third keeps, and the mean
 * error of the extrapolation. The README's "`asha` on curves that cross" quotes it.
 *
 * With `--pruned FILE.json` (pruning_trials_curves.py's output: the trials a benchmark run pruned, each
 * with its curve up to the step it was stopped at and its true final value), it instead reports how far
 * the final values the optimizers learned those trials by were from the truth, by the step they were
 * stopped at, against the spread of the true final values.
 *
 * usage: tsx scripts/bench/pruning_extrapolation.ts [--count 150] [--pruned FILE.json]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { extrapolate } from '../../server/pruners/learning-curve.ts';
import { ROOT } from '../../tests/harness.ts';

const { values } = parseArgs({ options: { count: { type: 'string', default: '150' }, pruned: { type: 'string' } } });
const STEPS = [1, 3, 5, 9, 15];

function ranks(v: readonly number[]): number[] {
  const order = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(v.length);
  order.forEach(([, i], k) => (r[i] = k));
  return r;
}

function spearman(a: readonly number[], b: readonly number[]): number {
  const [ra, rb] = [ranks(a), ranks(b)];
  const n = a.length;
  const d = ra.reduce((sum, r, i) => sum + (r - rb[i]!) ** 2, 0);
  return 1 - (6 * d) / (n * (n * n - 1));
}

/** Of the best tenth by final value, the share in the best third by `judged`. */
function keptBest(judged: readonly number[], final: readonly number[]): number {
  const n = final.length;
  const [byFinal, byJudged] = [ranks(final), ranks(judged)];
  const best = byFinal.flatMap((r, i) => (r < n / 10 ? [i] : []));
  return best.filter((i) => byJudged[i]! < n / 3).length / best.length;
}

interface Pruned {
  readonly problem: string;
  readonly workers: number;
  readonly curve: readonly number[];
  readonly final: number;
}

function sd(v: readonly number[]): number {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
}

if (values.pruned) {
  const trials = JSON.parse(readFileSync(values.pruned, 'utf8')) as Pruned[];
  const groups = new Map<string, Pruned[]>();
  for (const t of trials) {
    const bucket = t.curve.length < 5 ? '<5' : t.curve.length <= 5 ? '5' : t.curve.length <= 15 ? '6-15' : '16-49';
    const key = `${t.problem} w${t.workers} stopped at ${bucket}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  for (const [key, list] of [...groups].sort()) {
    const learned = list.map((t) => extrapolate(t.curve.map((value, i) => ({ step: i + 1, value })), 50) ?? t.curve[t.curve.length - 1]!);
    const errors = learned.map((p, i) => p - list[i]!.final);
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    const mae = errors.reduce((a, b) => a + Math.abs(b), 0) / errors.length;
    const finals = list.map((t) => t.final);
    console.log(
      `${key}: ${list.length} trials; learned − true final: mean ${mean.toFixed(3)}, mean |·| ${mae.toFixed(3)}, sd ${sd(errors).toFixed(3)}; ` +
        `sd of their true finals ${sd(finals).toFixed(3)}; Spearman(learned, true) ${spearman(learned, finals).toFixed(2)}`,
    );
  }
  process.exit(0);
}

const output = execFileSync('/usr/bin/python3', [join(ROOT, 'scripts/bench/pruning_curves.py'), '--count', values.count!], { cwd: join(ROOT, 'scripts/bench'), maxBuffer: 1 << 28 });
const curves = JSON.parse(output.toString()) as Record<string, number[][]>;
for (const [problem, list] of Object.entries(curves)) {
  const final = list.map((c) => c[c.length - 1]!);
  for (const s of STEPS) {
    const raw = list.map((c) => c[s - 1]!);
    const predicted = list.map((c) => extrapolate(c.slice(0, s).map((value, i) => ({ step: i + 1, value })), c.length) ?? c[s - 1]!);
    const error = predicted.reduce((sum, p, i) => sum + Math.abs(p - final[i]!), 0) / final.length;
    console.log(
      `${problem} step ${s}: Spearman with the final value: value ${spearman(raw, final).toFixed(2)}, extrapolated ${spearman(predicted, final).toFixed(2)}; ` +
        `best tenth kept in the best third: value ${keptBest(raw, final).toFixed(2)}, extrapolated ${keptBest(predicted, final).toFixed(2)}; mean |error| ${error.toFixed(3)}`,
    );
  }
}
