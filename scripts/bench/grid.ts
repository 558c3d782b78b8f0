/**
 * `npm run bench:grid`: what one grid-search suggestion costs as its experiment's history grows.
 *
 * On a grid of a billion points (two integer parameters), for each history size (`--trials`, the trials
 * grid search itself handed out, all finished), times a batch of 32 suggestions: in process (the
 * optimizer alone: every trial mapped to its point, the shuffled order walked), and through the
 * server's compute pool (the same, plus the copy of the history to a worker thread), with the pool's
 * default time bound. Medians of `--calls` calls each; the load average is printed first.
 *
 * usage: tsx scripts/bench/grid.ts [--trials 100000,300000] [--calls 5]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { parseSearchSpace } from '../../server/optimizer/space.ts';
import { resolveOptimizer } from '../../server/optimizer/registry.ts';
import { ComputePool } from '../../server/optimizer/pool/compute-pool.ts';
import { median } from './common.ts';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '100000,300000' }, calls: { type: 'string', default: '5' } } });
const sizes = values.trials.split(',').map(Number);
const calls = Number(values.calls);

const space = parseSearchSpace({ a: { min: 1, max: 100_000, step: 1 }, b: { min: 1, max: 10_000, step: 1 } });
const grid = resolveOptimizer('grid');
const pool = new ComputePool();
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; grid of 1,000,000,000 points, 32 suggestions a call, median of ${calls}`);
const first = grid.suggest({ space, completed: [], running: [], seed: 1 });
const handedOut = grid.suggest({ space, completed: [], running: [], seed: 1, count: Math.max(...sizes), state: first.state }).suggestions;
for (const size of sizes) {
  const completed = handedOut.slice(0, size).map((params, i) => ({ params, loss: i }));
  const request = { space, completed, running: [], seed: 2, count: 32, state: first.state };
  const inProcess: number[] = [];
  const onThread: number[] = [];
  for (let call = 0; call < calls; call++) {
    let start = performance.now();
    grid.suggest(request);
    inProcess.push(performance.now() - start);
    start = performance.now();
    try {
      await pool.suggest({ ...request, algorithm: 'grid' });
      onThread.push(performance.now() - start);
    } catch (error) {
      onThread.push(Number.POSITIVE_INFINITY);
      console.log(`  ${size} trials: the pool answered ${(error as Error).message}`);
    }
  }
  console.log(`${size.toLocaleString('en')} trials: in process ${median(inProcess).toFixed(0)} ms, on a worker thread ${median(onThread).toFixed(0)} ms`);
}
await pool.close();
