import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared benchmark folder: OSCAR_BENCH_DIR, or ../shared/bench beside the repository. */
export function benchDir(): string {
  return process.env.OSCAR_BENCH_DIR ?? resolve(repoRoot, '../shared/bench');
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The nearest-rank `p` quantile (0-1) of a list, NaN when it is empty (so p99 of fewer than 100 values is the largest). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** One JSON line of run_optuna.py / run_oscar.py output. */
export interface RunLine {
  readonly system: string;
  readonly problem: string;
  readonly seed: number;
  readonly curve: readonly number[];
}

/** Reads JSON-lines files of runs. */
export function readRuns(...files: readonly string[]): RunLine[] {
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as RunLine),
  );
}

/** The reference curves shipped with the shared bench (both rounds, Optuna and the plain GP), problem -> system -> curves. */
export function referenceCurves(): Map<string, Map<string, number[][]>> {
  const files = ['optuna-3.1-reference.jsonl', 'sklearn-gp-ei-reference.jsonl', 'optuna-3.1-round2-reference.jsonl', 'sklearn-gp-ei-round2-reference.jsonl'];
  const runs = readRuns(...files.map((file) => join(benchDir(), file)).filter((file) => existsSync(file)));
  const out = new Map<string, Map<string, number[][]>>();
  for (const run of runs) {
    const bySystem = out.get(run.problem) ?? new Map<string, number[][]>();
    out.set(run.problem, bySystem);
    const curves = bySystem.get(run.system) ?? [];
    bySystem.set(run.system, curves);
    curves.push([...run.curve]);
  }
  return out;
}
