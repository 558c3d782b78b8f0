import { builder } from './builder.ts';
import './account.ts';
import './experiment.ts';
import './experiment-management.ts';
import './trial.ts';
import './trial-page.ts';
import './insights.ts';
import './queue.ts';
import './transfer.ts';
import './compare.ts';

/** Oscar's GraphQL schema. */
export const schema = builder.toSchema({ sortSchema: true });
