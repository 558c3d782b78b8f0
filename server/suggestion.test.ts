import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'oscar-suggestion-'));
process.env.DATABASE_URL = `file:${join(dir, 'test.db')}`;

const { applyMigrations } = await import('./db/migrate.ts');
const { prisma } = await import('./db.ts');
const { proposeParams } = await import('./suggestion.ts');
const { closeComputePool } = await import('./compute-pool.ts');
const { parseSearchSpace } = await import('./optimizer/space.ts');
const { resolveOptimizer } = await import('./optimizer/registry.ts');

const raw = { x: { min: 0, max: 1 }, y: { min: 0, max: 1 } };
const space = parseSearchSpace(raw);

beforeAll(async () => {
  await applyMigrations(process.env.DATABASE_URL!);
});

afterAll(async () => {
  await closeComputePool();
  await prisma.$disconnect();
  rmSync(dir, { recursive: true, force: true });
});

async function newExperiment(name: string, algorithm = 'auto') {
  const user = await prisma.user.upsert({ where: { email: 'scientist@example.com' }, update: {}, create: { email: 'scientist@example.com' } });
  return prisma.experiment.create({ data: { ownerId: user.id, name, parameters: raw, algorithm, seed: 7 } });
}

describe('proposeParams', () => {
  it('gives concurrent requests different parameters, before their trials are stored', async () => {
    const experiment = await newExperiment('concurrent');
    const proposals = await Promise.all(Array.from({ length: 4 }, () => proposeParams(experiment, space)));
    const keys = new Set(proposals.map((p) => JSON.stringify(p.params)));
    expect(keys.size).toBe(4);
    for (const p of proposals) {
      expect(p.fallbackReason).toBeNull();
      expect(p.optimizer).toBe('gp');
    }
  });

  it('learns from completed trials read incrementally, and saves the optimizer state on the experiment', async () => {
    let experiment = await newExperiment('incremental');
    const loss = (p: Record<string, unknown>) => (Number(p.x) - 0.3) ** 2 + (Number(p.y) - 0.6) ** 2;
    for (let number = 1; number <= 14; number++) {
      const proposal = await proposeParams(experiment, space);
      await prisma.trial.create({
        data: { experimentId: experiment.id, number, state: 'COMPLETED', params: proposal.params, loss: loss(proposal.params), optimizer: proposal.optimizer, completedAt: new Date() },
      });
      experiment = await prisma.experiment.update({ where: { id: experiment.id }, data: { nextTrialNumber: number + 1 } });
    }
    const stored = await prisma.experiment.findUniqueOrThrow({ where: { id: experiment.id } });
    expect(stored.optimizerState).toMatchObject({ algorithm: 'gp', state: { scramble: expect.any(Number) } });
    const best = await prisma.trial.findFirst({ where: { experimentId: experiment.id }, orderBy: { loss: 'asc' } });
    expect(best!.loss!).toBeLessThan(0.01);
  });

  it('stops counting a proposal as running once its trial is stored, even if it completed before the next request', async () => {
    let experiment = await newExperiment('sequence', 'quasi_random');
    const proposed = [];
    for (let number = 1; number <= 5; number++) {
      const proposal = await proposeParams(experiment, space);
      proposed.push(proposal.params);
      await prisma.trial.create({
        data: { experimentId: experiment.id, number, state: 'COMPLETED', params: proposal.params, loss: 1, optimizer: proposal.optimizer, completedAt: new Date() },
      });
      experiment = await prisma.experiment.update({ where: { id: experiment.id }, data: { nextTrialNumber: number + 1 } });
    }
    const { optimizerState } = await prisma.experiment.findUniqueOrThrow({ where: { id: experiment.id } });
    const sequence = resolveOptimizer('quasi_random').suggest({ space, completed: [], running: [], seed: 0, count: 5, state: optimizerState });
    expect(proposed).toEqual(sequence.suggestions);
  });
});
