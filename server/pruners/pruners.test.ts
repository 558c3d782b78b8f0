import { describe, expect, it } from 'vitest';
import { bracketBudgets, bracketCount, bracketOf } from './hyperband.ts';
import { percentile, percentileShouldStop, type PercentileInput } from './percentile.ts';
import { DEFAULT_PRUNER, parsePruner, prunerSpec, type PercentileConfig } from './pruner-config.ts';
import { interpolated, promoted, rungsReached, rungStep } from './successive-halving.ts';

describe('percentile', () => {
  it('interpolates between closest ranks, as NumPy does', () => {
    expect(percentile([4, 1, 3, 2], 50)).toBe(2.5);
    expect(percentile([1, 2, 3, 4], 25)).toBe(1.75);
    expect(percentile([7], 10)).toBe(7);
    expect(percentile([1, 2, 3, 4, 5], 50)).toBe(3);
  });
});

describe('the median and percentile pruners', () => {
  const median = DEFAULT_PRUNER as PercentileConfig;
  const at = (input: Partial<PercentileInput>): PercentileInput => ({ step: 5, previousStep: 4, best: 3.5, completedTrials: 5, peersAtStep: [1, 2, 3, 4, 5], ...input });

  it('stops a trial whose best value so far is worse than the median of finished trials at that step', () => {
    expect(percentileShouldStop(median, at({}))).toBe(true); // 3.5 > 3
    expect(percentileShouldStop(median, at({ best: 3 }))).toBe(false); // not worse than the median
    expect(percentileShouldStop(median, at({ best: 0.5 }))).toBe(false);
  });

  it('waits for min_trials finished trials, the warm-up, and something to compare with at the step', () => {
    expect(percentileShouldStop(median, at({ completedTrials: 4 }))).toBe(false);
    expect(percentileShouldStop({ ...median, warmupSteps: 6 }, at({}))).toBe(false);
    expect(percentileShouldStop({ ...median, warmupSteps: 5 }, at({}))).toBe(true);
    expect(percentileShouldStop(median, at({ peersAtStep: [] }))).toBe(false);
    expect(percentileShouldStop({ ...median, minTrials: 0 }, at({ completedTrials: 0, peersAtStep: [] }))).toBe(false);
  });

  it('keeps the best quarter with percentile 25', () => {
    const quarter: PercentileConfig = { ...median, type: 'percentile', percentile: 25 };
    expect(percentileShouldStop(quarter, at({ best: 2.5 }))).toBe(true); // 25th percentile of 1..5 is 2
    expect(percentileShouldStop(quarter, at({ best: 2 }))).toBe(false);
  });

  it('judges once per interval, at the first step the trial reports in it', () => {
    const everyTen: PercentileConfig = { ...median, intervalSteps: 10 };
    expect(percentileShouldStop(everyTen, at({ step: 10, previousStep: 5 }))).toBe(true);
    expect(percentileShouldStop(everyTen, at({ step: 15, previousStep: 10 }))).toBe(false); // judged at 10
    expect(percentileShouldStop(everyTen, at({ step: 23, previousStep: 15 }))).toBe(true); // first in 20-29
  });
});

describe('successive halving', () => {
  const rungs = { minStep: 1, reduction: 3, firstRung: 0 };

  it('places rungs at min_step × reduction^k, later for later brackets', () => {
    expect([0, 1, 2, 3].map((k) => rungStep(rungs, k))).toEqual([1, 3, 9, 27]);
    expect(rungStep({ minStep: 2, reduction: 4, firstRung: 1 }, 0)).toBe(8);
  });

  it('finds the rungs a report reaches that the trial has no value for yet', () => {
    expect(rungsReached(rungs, 0, 0)).toEqual([]);
    expect(rungsReached(rungs, 0, 10)).toEqual([0, 1, 2]); // a trial that jumped to step 10
    expect(rungsReached(rungs, 2, 10)).toEqual([2]);
    expect(rungsReached(rungs, 3, 26)).toEqual([]);
    expect(rungsReached({ minStep: 1, reduction: 2, firstRung: 0 }, 0, 1e9)).toHaveLength(30); // bounded
  });

  it('promotes the best 1/reduction at a rung, and with fewer values only the best', () => {
    expect(promoted(5, [], 3)).toBe(true); // alone at the rung
    expect(promoted(2, [1], 3)).toBe(false); // 2 values: only the best goes on
    expect(promoted(1, [2], 3)).toBe(true);
    expect(promoted(1.5, [1, 2, 3, 4, 5], 3)).toBe(true); // 6 values: the best 2 go on (1 and 1.5)
    expect(promoted(2.5, [1, 2, 3, 4, 5], 3)).toBe(false);
    expect(promoted(2, [1, 2, 3, 4, 5], 3)).toBe(true); // a tie with the 2nd best goes on
  });
});

describe('hyperband', () => {
  it('has floor(log_r(max/min)) + 1 brackets, with Optuna\'s budgets', () => {
    expect(bracketCount({ minStep: 1, reduction: 3 }, 81)).toBe(5);
    expect(bracketCount({ minStep: 1, reduction: 3 }, 80)).toBe(4);
    expect(bracketCount({ minStep: 2, reduction: 2 }, 100)).toBe(6); // 2, 4, 8, 16, 32, 64
    expect(bracketBudgets(5, 3)).toEqual([81, 34, 15, 8, 5]);
  });

  it('spreads trials over brackets in proportion to their budgets, the same way every time', () => {
    const budgets = bracketBudgets(5, 3);
    const counts = [0, 0, 0, 0, 0];
    for (let n = 1; n <= 14_300; n++) counts[bracketOf('exp1', n, budgets)]!++;
    budgets.forEach((budget, b) => expect(Math.abs(counts[b]! / 14_300 - budget / 143)).toBeLessThan(0.02));
    expect(bracketOf('exp1', 17, budgets)).toBe(bracketOf('exp1', 17, budgets));
  });
});

describe('the pruner setting', () => {
  it('defaults to the median pruner, and takes names and objects', () => {
    expect(parsePruner(undefined)).toEqual(DEFAULT_PRUNER);
    expect(parsePruner('none')).toEqual({ type: 'none' });
    expect(parsePruner({ type: 'percentile', percentile: 25, warmup_steps: 3 })).toEqual({ type: 'percentile', percentile: 25, warmupSteps: 3, minTrials: 5, intervalSteps: 1 });
    expect(parsePruner({ type: 'asha', min_step: 1, reduction: 3 })).toEqual({ type: 'asha', minStep: 1, reduction: 3, warmupSteps: 0, minTrials: 1 });
    expect(parsePruner({ type: 'hyperband', min_step: 1, max_step: 81, reduction: 3 })).toEqual({ type: 'hyperband', minStep: 1, maxStep: 81, reduction: 3, warmupSteps: 0, minTrials: 1 });
    expect(parsePruner('hyperband')).toMatchObject({ type: 'hyperband', maxStep: null });
    for (const raw of ['median', { type: 'percentile', percentile: 10 }, { type: 'asha', reduction: 4 }, { type: 'hyperband', max_step: 27 }]) {
      expect(parsePruner(prunerSpec(parsePruner(raw)))).toEqual(parsePruner(raw));
    }
  });

  it.each([
    ['mean', 'experiment.pruner', /one of none, median, percentile, asha, hyperband/],
    [42, 'experiment.pruner', /a pruner name/],
    [[1], 'experiment.pruner', /a pruner name/],
    [{ percentile: 25 }, 'experiment.pruner.type', /one of/],
    [{ type: 'percentile' }, 'experiment.pruner.percentile', /above 0 and below 100/],
    [{ type: 'percentile', percentile: 100 }, 'experiment.pruner.percentile', /above 0 and below 100/],
    [{ type: 'median', percentile: 25 }, 'experiment.pruner.percentile', /unknown key "percentile" for a median pruner/],
    [{ type: 'asha', percentile: 25 }, 'experiment.pruner.percentile', /unknown key "percentile" for an asha pruner/],
    [{ type: 'asha', reduction: 1 }, 'experiment.pruner.reduction', /from 2 to 100/],
    [{ type: 'asha', min_step: 0.5 }, 'experiment.pruner.min_step', /whole number/],
    [{ type: 'asha', warmup_steps: -1 }, 'experiment.pruner.warmup_steps', /whole number/],
    [{ type: 'hyperband', min_step: 10, max_step: 20 }, 'experiment.pruner.max_step', /at least min_step × reduction \(30\)/],
    [{ type: 'none', reduction: 3 }, 'experiment.pruner.reduction', /unknown key/],
  ])('refuses %j, naming %s', (raw, field, message) => {
    try {
      parsePruner(raw);
      expect.unreachable();
    } catch (error) {
      expect((error as { extensions: { field: string } }).extensions.field).toBe(field);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe('a value between two reports', () => {
  it('lies on the line between them, is the report itself where there is one, and the later one alone without an earlier', () => {
    expect(interpolated({ step: 0, value: 3 }, { step: 4, value: 1 }, 1)).toBe(2.5);
    expect(interpolated({ step: 3, value: 0.6 }, { step: 3, value: 0.6 }, 3)).toBe(0.6);
    expect(interpolated(null, { step: 2, value: 1.2 }, 1)).toBe(1.2);
  });

  it('falls back to the nearer report when the line overflows', () => {
    expect(interpolated({ step: 0, value: -1.7e308 }, { step: 10, value: 1.7e308 }, 2)).toBe(-1.7e308);
    expect(interpolated({ step: 0, value: -1.7e308 }, { step: 10, value: 1.7e308 }, 8)).toBe(1.7e308);
  });
});
