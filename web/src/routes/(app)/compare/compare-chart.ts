// The Compare page's chart: one best-so-far staircase per experiment over trial number. Pure.
import { formatNumber } from '$lib/format';
import { objectiveLabel, type Direction } from '$lib/objectives';
import type { ChartOption } from '../experiments/[id]/echarts';
import { experimentLabel, type ComparedExperiment } from './compare';

/** Line colours, one per compared experiment (at most 8), distinct for common colour blindness. */
export const COLOURS = ['#2f5d8a', '#d9822b', '#1e7d4f', '#b3261e', '#7b4fa6', '#8c6d1f', '#2a9db5', '#c2478a'] as const;

/** The objectives the experiments chart, each once, with the experiments that chart it. */
export function chartedObjectives(experiments: readonly ComparedExperiment[]): { name: string; direction: Direction; labels: string[] }[] {
  const found = new Map<string, { name: string; direction: Direction; labels: string[] }>();
  for (const experiment of experiments) {
    const { objective, direction } = experiment.bestSoFar;
    const key = `${objective}\u0000${direction}`;
    const entry = found.get(key) ?? { name: objective, direction: direction === 'maximize' ? 'maximize' : 'minimize', labels: [] };
    entry.labels.push(experimentLabel(experiment));
    found.set(key, entry);
  }
  return [...found.values()];
}

/** Whether a log axis can draw every curve: all values above zero. */
export function canLog(experiments: readonly ComparedExperiment[]): boolean {
  const values = experiments.flatMap((experiment) => experiment.bestSoFar.values);
  return values.length > 0 && values.every((value) => value > 0);
}

/** Whether the values span more than three decades, when a log axis reads better (as on the Trials panel). */
export function wantsLog(experiments: readonly ComparedExperiment[]): boolean {
  if (!canLog(experiments)) return false;
  const values = experiments.flatMap((experiment) => experiment.bestSoFar.values);
  return Math.max(...values) / Math.min(...values) > 1000;
}

/** A curve's best so far at trial `number`: its last point at or before it, or null before its first. */
export function bestAt(curve: { numbers: readonly number[]; values: readonly number[] }, number: number): number | null {
  let low = 0;
  let high = curve.numbers.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (curve.numbers[middle]! <= number) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found < 0 ? null : curve.values[found]!;
}

/** Escapes text for the HTML an ECharts tooltip renders (experiment names are user input). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const AXIS = {
  nameLocation: 'middle' as const,
  nameTextStyle: { color: '#5b6473', fontSize: 11 },
  axisLine: { onZero: false, lineStyle: { color: '#9aa4b2' } },
  splitLine: { lineStyle: { color: '#eef1f5' } },
};

/** The chart: x is the trial number, y the best so far of each experiment's charted objective, a step line each. */
export function compareOption(experiments: readonly ComparedExperiment[], log: boolean): ChartOption {
  const objectives = chartedObjectives(experiments);
  const yTitle = objectives.length === 1 ? `best ${objectiveLabel(objectives[0]!)} so far` : 'best so far (objectives differ)';
  const last = Math.max(2, ...experiments.map((experiment) => experiment.bestSoFar.numbers.at(-1) ?? 1));
  return {
    animation: false,
    color: [...COLOURS],
    grid: { left: 64, right: 20, top: 40, bottom: 44 },
    legend: { type: 'scroll', top: 0, left: 8, right: 8, textStyle: { color: '#1d2430', fontSize: 12 } },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'line' },
      confine: true,
      // Names are user input and the tooltip is HTML: every line is escaped.
      formatter: (params: unknown) => {
        const [first] = params as { axisValue: number }[];
        if (!first) return '';
        const number = Math.round(first.axisValue);
        const lines = experiments.map((experiment, i) => {
          const value = bestAt(experiment.bestSoFar, number);
          const swatch = `<span style="display:inline-block;width:8px;height:8px;border-radius:4px;margin-right:4px;background:${COLOURS[i % COLOURS.length]}"></span>`;
          return swatch + escapeHtml(`${experimentLabel(experiment)}: ${value === null ? '—' : formatNumber(value)}`);
        });
        return [escapeHtml(`best so far at trial ${number}`), ...lines].join('<br>');
      },
    },
    xAxis: {
      ...AXIS,
      type: 'value',
      name: 'trial number',
      nameGap: 26,
      min: 1,
      max: last,
      minInterval: 1,
      axisLabel: { color: '#5b6473', fontSize: 11, hideOverlap: true },
    },
    yAxis: {
      ...AXIS,
      type: log ? 'log' : 'value',
      scale: true,
      name: yTitle,
      nameGap: 48,
      axisLabel: { color: '#5b6473', fontSize: 11, hideOverlap: true, formatter: (value: number) => formatNumber(value) },
    },
    series: experiments.map((experiment) => ({
      type: 'line' as const,
      id: experiment.id,
      name: experimentLabel(experiment),
      step: 'end' as const,
      showSymbol: experiment.bestSoFar.numbers.length <= 2,
      symbolSize: 5,
      lineStyle: { width: 2 },
      data: experiment.bestSoFar.numbers.map((number, i) => [number, experiment.bestSoFar.values[i]!]),
    })),
  } as ChartOption;
}
