import { builder } from './builder.ts';
import './account.ts';
import './experiment.ts';
import './trial.ts';
import './insights.ts';

/** Oscar's GraphQL schema. */
export const schema = builder.toSchema({ sortSchema: true });
