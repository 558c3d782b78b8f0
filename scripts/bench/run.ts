/**
 * `npm run bench`: Oscar against Optuna on the shared benchmark problems,
 * through a real server and Oscar's own Python client.
 *
 * Starts an Oscar server (tests/harness.ts: a temporary database, a free port, no rate limit), creates a token, runs
 * ../shared/bench/run_oscar.py with 1 and with 8 workers sharing one experiment,
 * runs Optuna 3.1's TPE and random samplers with run_optuna.py when
 * /usr/bin/python3 has python3-optuna (else uses the shipped
 * optuna-3.1-reference.jsonl, which that command produced), prints
 * compare.py's tables and writes the runs, the tables and a plot of the median
 * best-so-far regret curves to scripts/bench/results/.
 *
 * Round two (`--rounds 1,2`, the default, runs both): the PUBLIC2 problems
 * (ellipsoid16, dixon_price8, griewank8, rastrigin4) at 100 trials, Oscar with 1
 * and 8 workers, Optuna TPE and multivariate TPE live (else the shipped
 * optuna-3.1-round2-reference.jsonl) and the plain GP's
 * sklearn-gp-ei-round2-reference.jsonl; its files and tables carry `round2`.
 *
 * usage: tsx scripts/bench/run.ts [--seeds 10] [--rounds 1,2] [--workers 1,8]
 *        [--budget N --problems a,b] (one custom round instead)
 * env:   OSCAR_BENCH_DIR (default ../shared/bench), OSCAR_BENCH_PYTHON (a python3 with numpy),
 *        OSCAR_BENCH_OUT (default scripts/bench/results)
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startServer } from '../../tests/harness.ts';
import { benchDir, repoRoot } from './common.ts';
import { writePlot } from './plot.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '10' },
    budget: { type: 'string' },
    workers: { type: 'string', default: '1,8' },
    problems: { type: 'string' },
    rounds: { type: 'string', default: '1,2' },
  },
});

/** A round of the benchmark: its problems, budget, Optuna samplers, shipped references and file suffix. */
interface Round {
  readonly name: string;
  readonly problems: string;
  readonly budget: string;
  readonly samplers: string;
  readonly optunaReference: string;
  readonly sklearnReference: string;
  readonly suffix: string;
}

const ROUNDS: Record<string, Round> = {
  '1': {
    name: 'round one',
    problems: 'branin,hartmann6,rosenbrock4,ackley5,mixed_training',
    budget: '60',
    samplers: 'tpe,random',
    optunaReference: 'optuna-3.1-reference.jsonl',
    sklearnReference: 'sklearn-gp-ei-reference.jsonl',
    suffix: '',
  },
  '2': {
    name: 'round two',
    problems: 'ellipsoid16,dixon_price8,griewank8,rastrigin4',
    budget: '100',
    samplers: 'tpe,tpe_mv',
    optunaReference: 'optuna-3.1-round2-reference.jsonl',
    sklearnReference: 'sklearn-gp-ei-round2-reference.jsonl',
    suffix: '-round2',
  },
};

function roundsToRun(): Round[] {
  if (values.problems || values.budget) {
    return [{ ...ROUNDS['1']!, name: 'custom', problems: values.problems ?? ROUNDS['1']!.problems, budget: values.budget ?? '60', suffix: '-custom' }];
  }
  return values.rounds!.split(',').map((r) => {
    const round = ROUNDS[r.trim()];
    if (!round) throw new Error(`unknown round ${r}: use 1 and/or 2`);
    return round;
  });
}

function canImport(python: string, module: string): boolean {
  return spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

function pickPython(): string {
  if (process.env.OSCAR_BENCH_PYTHON) return process.env.OSCAR_BENCH_PYTHON;
  for (const candidate of ['/usr/bin/python3', 'python3']) if (canImport(candidate, 'numpy')) return candidate;
  throw new Error('no python3 with numpy found; set OSCAR_BENCH_PYTHON');
}

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return result.stdout;
}

/** Runs a command, streaming its stdout lines to a file and a progress counter to stderr. */
function runToFile(command: string, args: string[], file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let lines = 0;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const now = out.split('\n').filter(Boolean).length;
      if (now !== lines) process.stderr.write(`\r  ${file.split('/').at(-1)}: ${(lines = now)} runs`);
      writeFileSync(file, out);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      process.stderr.write('\n');
      code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`));
    });
  });
}

async function main(): Promise<void> {
  const bench = benchDir();
  const python = pickPython();
  const out = process.env.OSCAR_BENCH_OUT ?? join(repoRoot, 'scripts/bench/results');
  mkdirSync(out, { recursive: true });
  const rounds = roundsToRun();
  // A worker asks and reports faster than the default rate limit per token (6,000 operations a minute).
  const server = await startServer({ env: { OSCAR_RATE_LIMIT: '100000000' } });
  console.error(`benchmark: ${bench}, python ${python}, database ${server.databaseUrl}`);
  const files = new Map<Round, string[]>(rounds.map((round) => [round, []]));
  try {
    const token = await server.token('bench@example.com');
    for (const round of rounds) {
      const common = ['--seeds', values.seeds!, '--budget', round.budget, '--problems', round.problems];
      for (const workers of values.workers!.split(',')) {
        const file = join(out, `oscar${round.suffix}-w${workers}.jsonl`);
        const tag = `run${Date.now()}`;
        console.error(`${round.name}: Oscar (auto), ${workers} worker(s), ${round.budget} trials, server ${server.url}`);
        await runToFile(python, [join(bench, 'run_oscar.py'), '--client', './clients/python', '--url', server.url, '--token', token, '--workers', workers, '--tag', tag, ...common], file);
        files.get(round)!.push(file);
      }
    }
  } finally {
    await server.stop();
  }
  let report = '';
  for (const round of rounds) {
    const common = ['--seeds', values.seeds!, '--budget', round.budget, '--problems', round.problems];
    let optuna = join(out, `optuna${round.suffix}.jsonl`);
    if (canImport('/usr/bin/python3', 'optuna')) {
      console.error(`${round.name}: Optuna 3.1 (${round.samplers}) on the same problems`);
      await runToFile('/usr/bin/python3', [join(bench, 'run_optuna.py'), '--samplers', round.samplers, ...common], optuna);
    } else {
      console.error(`/usr/bin/python3 has no optuna: using the shipped ${round.optunaReference} (same command, same seeds)`);
      optuna = join(bench, round.optunaReference);
    }
    const all = [...files.get(round)!, optuna, join(bench, round.sklearnReference)];
    for (const system of values.workers!.split(',').map((w) => `oscar-w${w}`)) {
      const table = run(python, [join(bench, 'compare.py'), ...all, '--sys', system, '--ref', 'optuna-tpe', '--best-of', 'optuna-tpe,optuna-tpe_mv,sklearn-gp-ei']);
      const titled = `## ${round.name} (${round.budget} trials), ${system}\n\n${table}`;
      console.log(titled);
      report += `${titled}\n`;
    }
    writePlot(all, join(out, `benchmark${round.suffix}.svg`));
  }
  writeFileSync(join(out, 'compare.md'), report);
  console.log(`runs, tables and plots in ${out}`);
}

await main();
