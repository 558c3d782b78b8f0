import './trial-state.css';

const KNOWN = ['RUNNING', 'COMPLETED', 'FAILED', 'STALE', 'PRUNED'];

/**
 * The class that colours a trial's state pill (`<span class="state {stateClass(s)}">`, styled by
 * trial-state.css): the state in lower case, or `other` for one this dashboard does not know.
 */
export function stateClass(state: string | undefined): string {
  return state !== undefined && KNOWN.includes(state) ? state.toLowerCase() : 'other';
}
