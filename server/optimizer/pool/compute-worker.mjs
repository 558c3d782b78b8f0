// Piscina worker: loads TypeScript through tsx (also when the parent runs without it, e.g. vitest), then runs tasks.
import { register } from 'tsx/esm/api';

register();
const { runComputeTask } = await import('./compute-task.ts');

export default runComputeTask;
