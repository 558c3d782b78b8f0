// ECharts options for the Pareto views of an experiment with several objectives: every completed
// trial by its objective values, the front highlighted, infeasible trials as hollow rings. Pure
// functions of the trial columns and their ranking.
import { formatNumber } from '$lib/format';
import { objectiveLabel, type Constraint, type Objective } from '$lib/objectives';
import { AXIS, BEST, GRID, INFEASIBLE, PARALLEL_LINES, POINT, tooltipLines } from './charts';
import type { ChartOption } from './echarts';
import { violatedConstraints, type Ranking } from './ranking';
import type { TrialData } from './trials.svelte';

/** Infeasible trials' lines: light red (their points are {@link INFEASIBLE} rings). */
const INFEASIBLE_LINE = 'rgba(201, 42, 42, 0.3)';
/** The legends' names of the three kinds of completed trial. */
const ON_FRONT = 'Pareto front';
const DOMINATED = 'dominated';
const OUTSIDE = 'infeasible';
const LEGEND = {
  top: 0,
  right: 8,
  data: [ON_FRONT, DOMINATED, OUTSIDE],
  textStyle: { fontSize: 11, color: '#5b6473' },
  itemWidth: 9,
  itemHeight: 9,
};
const AXIS_NAME = { color: '#5b6473' } as const;
/** Past this many points a series is drawn as one path (large mode); rings and the front stay rings and dots below it. */
const LARGE_POINTS = 2000;

/** The completed trials of a ranking by kind, as indices into `ranking.rows`; the front best first in the first objective. */
interface Kinds {
  readonly front: readonly number[];
  readonly dominated: readonly number[];
  readonly infeasible: readonly number[];
}

function kinds(ranking: Ranking): Kinds {
  const index = new Map(ranking.rows.map((row, i) => [row, i]));
  const dominated: number[] = [];
  const infeasible: number[] = [];
  ranking.rows.forEach((row, i) => {
    if (ranking.violations[row]! > 0) infeasible.push(i);
    else if (!ranking.onFront.has(row)) dominated.push(i);
  });
  return { front: ranking.front.map((row) => index.get(row)!), dominated, infeasible };
}

/** A point's tooltip (escaped): the trial, whether it is on the front or how far outside its constraints, its objectives. */
function trialTooltip(data: TrialData, ranking: Ranking, objectives: readonly Objective[], constraints: readonly Constraint[]) {
  return (params: unknown): string => {
    const i = (params as { value: readonly number[] }).value[2]!;
    const row = ranking.rows[i]!;
    const outside = ranking.violations[row]!;
    const status = ranking.onFront.has(row) ? 'on the Pareto front' : outside > 0 ? `infeasible (violation ${formatNumber(outside)})` : 'dominated';
    return tooltipLines(
      `trial ${data.numbers[row]} · ${status}`,
      ...objectives.map((objective, k) => `${objective.name} = ${formatNumber(ranking.values[k]![i])}`),
      ...violatedConstraints(data, row, constraints),
    );
  };
}

/** The three scatter series of one pair of objectives (`x`, `y`), on axes `axis`; each point carries its index into `ranking.rows`. */
function pairSeries(ranking: Ranking, kinds: Kinds, x: number, y: number, axis: number, size: number) {
  const point = (i: number): [number, number, number] => [ranking.values[x]![i]!, ranking.values[y]![i]!, i];
  const on = { xAxisIndex: axis, yAxisIndex: axis, progressive: 0, largeThreshold: LARGE_POINTS, large: true };
  // Infeasible trials beneath the others, the front on top.
  return [
    {
      ...on,
      name: OUTSIDE,
      type: 'scatter' as const,
      data: kinds.infeasible.map(point),
      symbol: 'circle',
      symbolSize: size + 3,
      itemStyle: { color: 'rgba(255, 255, 255, 0)', borderColor: INFEASIBLE, borderWidth: 1.25 },
    },
    { ...on, name: DOMINATED, type: 'scatter' as const, data: kinds.dominated.map(point), symbol: 'rect', symbolSize: size, itemStyle: { color: POINT }, largeThreshold: 500 },
    { ...on, name: ON_FRONT, type: 'scatter' as const, data: kinds.front.map(point), symbol: 'circle', symbolSize: size + 4, itemStyle: { color: BEST }, z: 4 },
  ];
}

/**
 * Two objectives: the first against the second, axes titled with the better way (`accuracy ↑`), the
 * front's trials in orange joined by its staircase (the edge of what they dominate), the other
 * feasible trials in blue, infeasible ones as red rings.
 */
export function paretoOption(data: TrialData, ranking: Ranking, objectives: readonly Objective[], constraints: readonly Constraint[]): ChartOption {
  const [first, second] = objectives as [Objective, Objective];
  const byKind = kinds(ranking);
  const front = byKind.front.map((i) => [ranking.values[0]![i]!, ranking.values[1]![i]!]);
  return {
    animation: false,
    grid: { ...GRID, left: 64, top: 28, bottom: 44 },
    tooltip: { trigger: 'item', formatter: trialTooltip(data, ranking, objectives, constraints) },
    legend: LEGEND,
    xAxis: { type: 'value', name: objectiveLabel(first), nameLocation: 'middle', nameGap: 26, scale: true, ...AXIS, nameTextStyle: AXIS_NAME },
    yAxis: { type: 'value', name: objectiveLabel(second), nameLocation: 'middle', nameGap: 48, scale: true, ...AXIS, nameTextStyle: AXIS_NAME },
    series: [
      ...pairSeries(ranking, byKind, 0, 1, 0, 5),
      // From one trial of the front to the next: across to the next one's first objective, then to its second.
      { name: ON_FRONT, type: 'line', data: front, step: 'end', showSymbol: false, silent: true, z: 3, lineStyle: { color: BEST, width: 2 }, itemStyle: { color: BEST } },
    ],
  };
}

/**
 * Three or more objectives: a scatter per pair (lower triangle: column `i`, row `j`, for objective
 * `i` across and `j` up), the trials of the front (in every objective) in orange, infeasible ones as
 * red rings.
 */
export function paretoPairsOption(data: TrialData, ranking: Ranking, objectives: readonly Objective[], constraints: readonly Constraint[]): ChartOption {
  const last = objectives.length - 1;
  const pairs: [number, number][] = [];
  for (let i = 0; i < last; i++) for (let j = i + 1; j <= last; j++) pairs.push([i, j]);
  // Percent of the chart: room for the legend on top and the axis titles at the left and bottom.
  const left = 9;
  const top = 6;
  const width = (100 - left - 2) / last;
  const height = (100 - top - 9) / last;
  const byKind = kinds(ranking);
  const label = { ...AXIS.axisLabel, fontSize: 10, hideOverlap: true };
  return {
    animation: false,
    tooltip: { trigger: 'item', formatter: trialTooltip(data, ranking, objectives, constraints) },
    legend: LEGEND,
    grid: pairs.map(([i, j]) => ({
      left: `${left + i * width + 1.5}%`,
      top: `${top + (j - 1) * height + 1}%`,
      width: `${width - 3}%`,
      height: `${height - 8}%`,
    })),
    xAxis: pairs.map(([i, j], axis) => ({
      gridIndex: axis,
      type: 'value' as const,
      scale: true,
      name: j === last ? objectiveLabel(objectives[i]!) : '',
      nameLocation: 'middle' as const,
      nameGap: 24,
      ...AXIS,
      axisLabel: label,
      nameTextStyle: AXIS_NAME,
    })),
    yAxis: pairs.map(([i, j], axis) => ({
      gridIndex: axis,
      type: 'value' as const,
      scale: true,
      name: i === 0 ? objectiveLabel(objectives[j]!) : '',
      nameLocation: 'middle' as const,
      nameGap: 40,
      ...AXIS,
      axisLabel: label,
      nameTextStyle: AXIS_NAME,
    })),
    series: pairs.flatMap(([i, j], axis) => pairSeries(ranking, byKind, i, j, axis, 4)),
  };
}

/** Up to `count` of `items`, evenly spaced. */
function evenSample<T>(items: readonly T[], count: number): readonly T[] {
  if (items.length <= count) return items;
  const step = items.length / count;
  return Array.from({ length: count }, (_, i) => items[Math.floor(i * step)]!);
}

/**
 * Parallel coordinates over the objectives: a line per completed trial, the front's in orange on top,
 * infeasible ones light red; at most {@link PARALLEL_LINES} lines (the front first, then an even
 * sample of the others, shared by kind).
 */
export function paretoParallelOption(ranking: Ranking, objectives: readonly Objective[]): ChartOption {
  const byKind = kinds(ranking);
  const line = (i: number) => objectives.map((_, k) => ranking.values[k]![i]!);
  const front = evenSample(byKind.front, PARALLEL_LINES / 2);
  const room = PARALLEL_LINES - front.length;
  const others = byKind.dominated.length + byKind.infeasible.length;
  const dominated = evenSample(byKind.dominated, others ? Math.round((room * byKind.dominated.length) / others) : 0);
  const infeasible = evenSample(byKind.infeasible, room - dominated.length);
  const faint = ranking.rows.length > 500 ? 0.35 : 1;
  return {
    animation: false,
    legend: LEGEND,
    parallel: {
      left: 48,
      right: 64,
      top: 48,
      bottom: 24,
      parallelAxisDefault: { nameTextStyle: { color: '#1d2430', fontSize: 12, fontWeight: 600 }, ...AXIS },
    },
    parallelAxis: objectives.map((objective, dim) => ({ dim, name: objectiveLabel(objective), type: 'value' as const, scale: true })),
    series: [
      { name: OUTSIDE, type: 'parallel', data: infeasible.map(line), lineStyle: { color: INFEASIBLE_LINE, width: 1, opacity: faint }, progressive: 0, emphasis: { disabled: true } },
      { name: DOMINATED, type: 'parallel', data: dominated.map(line), lineStyle: { color: POINT, width: 1, opacity: faint }, progressive: 0, emphasis: { disabled: true } },
      { name: ON_FRONT, type: 'parallel', data: front.map(line), lineStyle: { color: BEST, width: 1.75, opacity: 0.9 }, progressive: 0, emphasis: { disabled: true } },
    ],
  };
}
