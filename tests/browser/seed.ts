// Writes trials straight into the database through Prisma (10,000 in about a second), for the
// dashboard's benchmark, screenshots and tests; 10,000 API calls would take minutes.
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../../server/generated/prisma/client.ts';

/** The parameter space of the seeded experiments (as a user would write it). */
export const DEMO_PARAMETERS = {
  learning_rate: { min: 1e-5, max: 1, distribution: 'log_uniform' },
  layers: { min: 1, max: 8, step: 1 },
  dropout: { min: 0, max: 0.5 },
  activation: ['relu', 'tanh', 'gelu'],
  epochs: 20,
} as const;

/** Options for {@link seedTrials}. */
export interface SeedOptions {
  readonly databaseUrl: string;
  /** An existing experiment (e.g. created by one `suggest`): trials are added after its last one. */
  readonly experimentId: string;
  readonly count: number;
  /** Milliseconds between two seeded trials' creation times. */
  readonly spacingMs?: number;
  /** How many of the newest trials stay RUNNING. */
  readonly running?: number;
  /** Share of trials that FAILED (0 by default). */
  readonly failedShare?: number;
  readonly seed?: number;
}

/** A small seeded PRNG (mulberry32), so seeded experiments look the same every time. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A made-up training run: the loss depends mostly on the learning rate, then layers, little on dropout. */
export function demoTrial(next: () => number, progress: number) {
  // Later trials concentrate near the optimum, as a model-based optimizer's would.
  const focus = Math.min(1, progress * 1.5) * 0.7;
  const towards = (value: number, target: number) => value + (target - value) * focus * next();
  const lr = 10 ** towards(-5 + 5 * next(), -2.6);
  const layers = Math.round(towards(1 + 7 * next(), 4));
  const dropout = 0.5 * next();
  const activation = (['relu', 'tanh', 'gelu'] as const)[Math.floor(next() * 3)]!;
  const noise = (next() - 0.5) * 0.06;
  const loss =
    0.08 + 0.09 * (Math.log10(lr) + 2.6) ** 2 + 0.02 * (layers - 4) ** 2 + 0.05 * dropout +
    { relu: 0.02, tanh: 0.09, gelu: 0 }[activation] + noise;
  const params = { learning_rate: lr, layers, dropout, activation, epochs: 20 };
  const metrics = { accuracy: Math.max(0, Math.min(1, 1 - loss * 0.9 + noise)), train_seconds: Math.round(40 + layers * 18 + next() * 30) };
  return { params, loss: Math.max(0.001, loss), metrics };
}

/** Appends `count` trials to an experiment, completed except the last `running` ones; returns the last trial number. */
export async function seedTrials(options: SeedOptions): Promise<number> {
  const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: options.databaseUrl, timeout: 10_000 }) });
  try {
    const experiment = await prisma.experiment.findUniqueOrThrow({ where: { id: options.experimentId }, select: { nextTrialNumber: true } });
    const next = random(options.seed ?? 7);
    const spacing = options.spacingMs ?? 20_000;
    const start = Date.now() - options.count * spacing;
    const first = experiment.nextTrialNumber;
    const rows = Array.from({ length: options.count }, (_, i) => {
      const { params, loss, metrics } = demoTrial(next, i / options.count);
      const createdAt = new Date(start + i * spacing);
      const running = i >= options.count - (options.running ?? 0);
      const failed = !running && next() < (options.failedShare ?? 0);
      return {
        experimentId: options.experimentId,
        number: first + i,
        state: running ? 'RUNNING' : failed ? 'FAILED' : 'COMPLETED',
        params,
        loss: running || failed ? null : loss,
        metrics: running || failed ? undefined : metrics,
        worker: `worker-${(i % 8) + 1}`,
        optimizer: 'random',
        createdAt,
        completedAt: running ? null : new Date(createdAt.getTime() + spacing * 0.9),
      };
    });
    for (let i = 0; i < rows.length; i += 2000) {
      await prisma.trial.createMany({ data: rows.slice(i, i + 2000) });
    }
    await prisma.experiment.update({
      where: { id: options.experimentId },
      data: { nextTrialNumber: first + options.count, updatedAt: new Date() },
    });
    return first + options.count - 1;
  } finally {
    await prisma.$disconnect();
  }
}
