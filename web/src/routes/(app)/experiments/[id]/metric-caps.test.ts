import { describe, expect, it } from 'vitest';
import { mostReportedMetrics } from './metric-caps';
import type { TrialData } from './trials.svelte';

/** Metric columns over four trials: how many report each is what counts. */
const data = {
  metrics: new Map<string, unknown[]>([
    ['rare', [1, null, null, null]],
    ['always', [1, 2, 3, 4]],
    ['half', [null, 2, null, 4]],
    ['also-half', [1, null, 3, null]],
  ]),
} as unknown as TrialData;
const names = [...data.metrics.keys()];

describe('mostReportedMetrics', () => {
  it('keeps every metric when they fit', () => {
    expect(mostReportedMetrics(data, names, 4)).toEqual({ names, hidden: 0 });
  });

  it('keeps those the most trials report, ties in order, and counts the rest', () => {
    expect(mostReportedMetrics(data, names, 2)).toEqual({ names: ['always', 'half'], hidden: 2 });
  });
});
