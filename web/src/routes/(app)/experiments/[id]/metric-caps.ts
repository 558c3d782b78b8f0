// How many custom metrics the Trials panel draws: a run that logs thousands of differently named
// metrics would otherwise get a chart and a table column for each, and the page would freeze.
import type { TrialData } from './trials.svelte';

/** At most this many "Custom metrics over time" charts. */
export const MAX_METRIC_CHARTS = 24;
/** At most this many metric columns in the trials table. */
export const MAX_METRIC_COLUMNS = 50;

/** Which of `names` (metrics of `data`) are drawn, and how many are left out. */
export interface ShownMetrics {
  readonly names: readonly string[];
  readonly hidden: number;
}

/**
 * The `limit` metrics of `names` that the most trials report (ties in the order of `names`), in the
 * order of `names`; all of them when they fit.
 */
export function mostReportedMetrics(data: TrialData, names: readonly string[], limit: number): ShownMetrics {
  if (names.length <= limit) return { names, hidden: 0 };
  const reported = new Map<string, number>();
  for (const name of names) {
    let count = 0;
    for (const value of data.metrics.get(name) ?? []) if (value !== null && value !== undefined) count++;
    reported.set(name, count);
  }
  // A stable sort: ties keep the order of `names`.
  const kept = new Set([...names].sort((a, b) => reported.get(b)! - reported.get(a)!).slice(0, limit));
  return { names: names.filter((name) => kept.has(name)), hidden: names.length - limit };
}
