import { describe, expect, it } from 'vitest';
import { curveValueScale, lossOption, parallelOption } from './charts';
import type { Plotted } from './plotted';
import type { ParameterKind, TrialData } from './trials.svelte';

/** Just the columns parallelOption reads, for three completed trials. */
const data = {
  numbers: [1, 2, 3],
  params: new Map<string, unknown[]>([
    ['batch', [16, 64, 32]],
    ['lr', [0.1, 0.01, 0.001]],
  ]),
} as unknown as TrialData;
const loss: Plotted = { name: 'loss', direction: 'minimize', values: [0.5, 0.2, 0.3] };
const kinds = new Map<string, ParameterKind>([
  ['batch', { kind: 'categorical', choices: ['16', '32', '64'] }],
  ['lr', { kind: 'numeric', log: true }],
]);

describe('parallelOption', () => {
  it('puts a numeric choice of a categorical parameter on its category, not at the index it spells', () => {
    const option = parallelOption(data, loss, [0, 1, 2], ['batch', 'lr'], kinds, false) as {
      parallelAxis: { data?: string[] }[];
      series: { data: unknown[][] }[];
    };
    const choices = option.parallelAxis[0]!.data!;
    const lines = option.series[0]!.data;
    expect(lines.map((line) => line[0])).toEqual(expect.arrayContaining(['16', '64', '32']));
    for (const line of lines) expect(choices).toContain(line[0]);
    // Numeric parameters stay numbers on their value axis.
    expect(lines.map((line) => line[1]).sort()).toEqual([0.001, 0.01, 0.1]);
  });
});

describe('parallelOption with text that reads as a number', () => {
  it('puts the text "32" on the axis named as the filter and the table name it, in quotes', () => {
    const texts = { numbers: [1, 2], params: new Map<string, unknown[]>([['width', ['32', 64]]]) } as unknown as TrialData;
    const textKinds = new Map<string, ParameterKind>([['width', { kind: 'categorical', choices: ['"32"', '64'] }]]);
    const plotted: Plotted = { name: 'loss', direction: 'minimize', values: [0.5, 0.2] };
    const option = parallelOption(texts, plotted, [0, 1], ['width'], textKinds, false) as {
      parallelAxis: { data?: string[] }[];
      series: { data: unknown[][] }[];
    };
    expect(option.parallelAxis[0]!.data).toEqual(['"32"', '64']);
    expect(option.series[0]!.data.map((line) => line[0]).sort()).toEqual(['"32"', '64']);
  });
});

describe('curveValueScale', () => {
  it('is logarithmic out to the powers of ten around values spanning more than three decades, else linear', () => {
    const log = curveValueScale([100, 0.5, 3e-10]);
    expect(log.type).toBe('log');
    expect(log.min).toBeLessThanOrEqual(3e-10);
    expect(log.min).toBeGreaterThanOrEqual(1e-11);
    expect(log.max).toBeGreaterThanOrEqual(100);
    expect(log.max).toBeLessThanOrEqual(1000);
    expect(curveValueScale([1, 2, 300])).toEqual({ type: 'value' });
    expect(curveValueScale([-1, 1e6])).toEqual({ type: 'value' });
    expect(curveValueScale([5])).toEqual({ type: 'value' });
  });

  it('takes a curve of half a million values (no spread into Math.min)', () => {
    const values = Array.from({ length: 500_000 }, (_, i) => 1 / (i + 1));
    expect(curveValueScale(values).type).toBe('log');
  });
});

describe('lossOption with constraints', () => {
  it('steps the best so far through feasible trials only, drawing the others as infeasible rings', () => {
    const trials = { numbers: [1, 2, 3, 4] } as unknown as TrialData;
    // Trial 2 has the lowest loss but breaks a constraint: the line must not step down to it.
    const plotted: Plotted = { name: 'loss', direction: 'minimize', values: [0.5, 0.1, 0.3, 0.4] };
    const feasible = (row: number) => row !== 1;
    const option = lossOption(trials, plotted, [0, 1, 2, 3], { log: false, share: 1 }, [0, 1, 2, 3], feasible) as {
      series: { name: string; data: [number, number][] }[];
    };
    const byName = new Map(option.series.map((series) => [series.name, series.data]));
    expect(byName.get('best so far')).toEqual([
      [1, 0.5],
      [3, 0.3],
      [4, 0.3],
    ]);
    expect(byName.get('infeasible')).toEqual([[2, 0.1]]);
    expect(byName.get('loss')).toEqual([
      [1, 0.5],
      [3, 0.3],
      [4, 0.4],
    ]);
    // Without constraints, every trial counts and no infeasible series is drawn.
    const all = lossOption(trials, plotted, [0, 1, 2, 3], { log: false, share: 1 }) as { series: { name: string; data: [number, number][] }[] };
    expect(all.series.map((series) => series.name)).toEqual(['loss', 'best so far']);
    expect(all.series[1]!.data.at(-1)).toEqual([4, 0.1]);
  });
});
