// Piscina worker: loads TypeScript through tsx (also when the parent runs without it, e.g. vitest), then the task.
import { register } from 'tsx/esm/api';

register();
const { runSuggestTask } = await import('./optimizer/task.ts');

export default runSuggestTask;
