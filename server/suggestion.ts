import type { Experiment } from './generated/prisma/client.ts';
import { prisma } from './db.ts';
import { resolveOptimizer } from './optimizer/registry.ts';
import { deriveSeed } from './optimizer/rng.ts';
import type { Params, SearchSpace } from './optimizer/space.ts';

/** Parameters to try next and the algorithm that chose them. */
export interface Proposal {
  readonly params: Params;
  readonly optimizer: string;
}

function algorithmUsed(name: string, state: unknown): string {
  if (name !== 'auto' || typeof state !== 'object' || state === null || !('algorithm' in state)) return name;
  return String(state.algorithm);
}

/** Asks the experiment's optimizer for the next parameters, given every completed and running trial. */
export async function proposeParams(experiment: Experiment, space: SearchSpace): Promise<Proposal> {
  const trials = await prisma.trial.findMany({
    where: { experimentId: experiment.id, state: { in: ['COMPLETED', 'RUNNING'] } },
    select: { state: true, params: true, loss: true },
    orderBy: { number: 'asc' },
  });
  const completed = trials
    .filter((t) => t.state === 'COMPLETED' && t.loss !== null)
    .map((t) => ({ params: t.params as Params, loss: t.loss as number }));
  const running = trials.filter((t) => t.state === 'RUNNING').map((t) => ({ params: t.params as Params }));
  const optimizer = resolveOptimizer(experiment.algorithm);
  const result = optimizer.suggest({
    space,
    completed,
    running,
    seed: deriveSeed(experiment.seed, experiment.nextTrialNumber),
  });
  const params = result.suggestions[0];
  if (!params) throw new Error(`optimizer "${optimizer.name}" returned no suggestion`);
  return { params, optimizer: algorithmUsed(optimizer.name, result.state) };
}
