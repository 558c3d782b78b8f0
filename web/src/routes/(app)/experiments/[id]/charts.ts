// ECharts options for the Trials panel's insights: pure functions of the trial columns.
import { formatChoice, formatNumber } from '$lib/format';
import { echarts, type ChartOption } from './echarts';
import { MAX_SCATTER_POINTS, bestSoFar, scatterSample } from './downsample';
import { sign, valueAt, type Plotted } from './plotted';
import type { ParameterKind, TrialData } from './trials.svelte';

const ACCENT = '#2f5d8a';
/** The best trials: best-so-far line, highlighted curve, Pareto front. */
export const BEST = '#d9480f';
/** Every other trial's point. */
export const POINT = 'rgba(47, 93, 138, 0.45)';
/** Trials outside the experiment's constraints: red rings (points), on every chart that draws them. */
export const INFEASIBLE = '#c92a2a';
/** Pruned trials' learning curves: light grey. */
const PRUNED = 'rgba(134, 142, 150, 0.4)';
/** The highlighted learning curves, best first. */
const HIGHLIGHTS = [BEST, '#2b8a3e', '#7048e8', '#c2255c', '#0c8599'];
/** Light to dark: early to recent trials, or worse to better values. */
const RAMP = ['#cfe0ef', '#6a9cc8', '#1f4e79', '#0b2540'];
/**
 * Axis lines, labels and grid lines, light. Axis lines stay at the plot's edge: ECharts would otherwise
 * draw one axis's line where the other crosses zero (a stray line mid-plot).
 */
export const AXIS = {
  axisLine: { onZero: false, lineStyle: { color: '#9aa4b2' } },
  axisLabel: { color: '#5b6473', fontSize: 11 },
  splitLine: { lineStyle: { color: '#eef1f5' } },
} as const;
/** Axis titles: muted, beside the labels. */
export const AXIS_NAME = { color: '#5b6473', fontSize: 11 } as const;
/** A tick's label: up to 4 significant digits, the shortest exponent form when very small or large (`1e-5`). */
export function tickLabel(value: number): string {
  const rounded = Number(value.toPrecision(4));
  const abs = Math.abs(rounded);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? rounded.toExponential().replace('e+', 'e') : String(rounded);
}
/** Value-axis labels: compact numbers, and none drawn over another. */
const VALUE_LABEL = { ...AXIS.axisLabel, hideOverlap: true, formatter: tickLabel } as const;
/** Room around a chart's plot for its axis labels. */
export const GRID = { left: 56, right: 16, top: 16, bottom: 36 } as const;
/** Scatter settings that keep 10,000+ points cheap: large mode (one path), squares, drawn in one pass. */
export const LARGE = { large: true, largeThreshold: 500, symbol: 'rect', progressive: 0 } as const;
/** At most this many lines in the parallel coordinates: the best half and an even sample of the rest. */
export const PARALLEL_LINES = 1000;
/** The best completed trials whose learning curves are highlighted. */
export const HIGHLIGHTED_CURVES = HIGHLIGHTS.length;
/** At most this many learning curves are drawn, the latest trials', besides the highlighted ones. */
export const MAX_CURVES = 300;

/** A log axis reads better when every plotted value is positive and they span more than three decades. */
export function wantsLogScale(plotted: Plotted, rows: readonly number[]): boolean {
  return spansDecades(extentOf(rows.map((row) => valueAt(plotted, row))));
}

/** Whether a log axis can draw every plotted value: all of them positive. */
export function canLogScale(plotted: Plotted, rows: readonly number[]): boolean {
  return rows.length > 0 && rows.every((row) => valueAt(plotted, row) > 0);
}

/** The share of the trials, the best ones, whose values the loss charts' value axis spans: 1 for all. */
export type ValueShare = 1 | 0.9 | 0.5;

/** How the loss charts draw the plotted value: on a log or a linear axis, spanning the best `share` of the trials. */
export interface ValueAxis {
  readonly log: boolean;
  readonly share: ValueShare;
}

/** Room left beyond the values an axis clipped to the best trials spans, as a share of its span. */
const CLIP_MARGIN = 0.05;

/**
 * The value axis's bounds when it spans only the best `share` of the trials (the lowest values, or
 * the highest for a maximised objective) with a little room either side. Over all of them, a log
 * axis goes out to the powers of ten around the values (left to itself, ECharts rounds it out to
 * whole ticks: 3e-10 to 100 became 1e-10 to 1e10), and a linear one is left to ECharts (undefined).
 * Points beyond the bounds are clipped.
 */
export function valueBounds(plotted: Plotted, rows: readonly number[], axis: ValueAxis): { min: number; max: number } | undefined {
  if ((axis.share >= 1 && !axis.log) || rows.length < 2) return undefined;
  const s = sign(plotted);
  const values = rows.map((row) => valueAt(plotted, row)).sort((a, b) => s * a - s * b);
  const kept = values.slice(0, Math.max(1, Math.ceil(axis.share * values.length)));
  const low = Math.min(...kept);
  const high = Math.max(...kept);
  if (axis.log && low > 0) {
    if (axis.share >= 1) return decadeBounds(low, high);
    const factor = high > low ? (high / low) ** CLIP_MARGIN : 1.1;
    return { min: low / factor, max: high * factor };
  }
  if (axis.share >= 1) return undefined;
  const margin = high > low ? (high - low) * CLIP_MARGIN : Math.abs(high) * 0.1 || 1;
  return { min: low - margin, max: high + margin };
}

/**
 * Bounds for a log axis over positive values from `low` to `high`: a little room either side, out to
 * the powers of ten around them, whose labels read as the axis's ends. Left to itself, ECharts rounds
 * a log axis out to whole ticks, which can be ten decades apart (3e-10 to 100 became 1e-10 to 1e10).
 */
export function decadeBounds(low: number, high: number): { min: number; max: number } {
  const factor = high > low ? (high / low) ** CLIP_MARGIN : 1.1;
  const decade = (value: number, round: (x: number) => number) => Number(`1e${round(Math.log10(value))}`);
  return { min: decade(low / factor, Math.floor), max: decade(high * factor, Math.ceil) };
}

/** The plotted value's axis, titled with its name (`loss`, `accuracy`). */
function plottedAxis(plotted: Plotted, rows: readonly number[], axis: ValueAxis, nameGap: number) {
  return {
    type: axis.log ? ('log' as const) : ('value' as const),
    name: plotted.name,
    nameLocation: 'middle' as const,
    nameGap,
    nameTextStyle: AXIS_NAME,
    scale: true,
    ...valueBounds(plotted, rows, axis),
    ...AXIS,
    axisLabel: VALUE_LABEL,
  };
}

/** How many values, and their least and greatest. */
function extentOf(values: Iterable<number>): { count: number; min: number; max: number } {
  const extent = { count: 0, min: Infinity, max: -Infinity };
  for (const value of values) {
    extent.count++;
    extent.min = Math.min(extent.min, value);
    extent.max = Math.max(extent.max, value);
  }
  return extent;
}

/**
 * A value axis for curves' values: logarithmic, out to the powers of ten around them
 * ({@link decadeBounds}), when they span more than three decades; else linear, fitted by ECharts.
 */
export function curveValueScale(values: Iterable<number>): { type: 'log' | 'value'; min?: number; max?: number } {
  const extent = extentOf(values);
  return spansDecades(extent) ? { type: 'log', ...decadeBounds(extent.min, extent.max) } : { type: 'value' };
}

/** Whether at least two values are all positive and span more than three decades. */
function spansDecades({ count, min, max }: { count: number; min: number; max: number }): boolean {
  return count >= 2 && min > 0 && max / min > 1000;
}

const tooltipNumber = (value: unknown) => formatNumber(typeof value === 'number' ? value : null);

/**
 * A tooltip's HTML from lines of plain text. ECharts sets a formatter's string as innerHTML, and the
 * names and values in it are the user's, so every line is escaped. (ECharts' own default tooltip, used
 * by the other charts, escapes series, category and value text itself.)
 */
export function tooltipLines(...lines: string[]): string {
  return lines.map((line) => echarts.format.encodeHTML(line)).join('<br>');
}

/**
 * The completed trials' plotted value (the loss, or the first objective) by trial number, and the
 * best so far as a step line: the lowest, or the highest for a maximised objective, among the
 * `feasible` trials only (those inside the experiment's constraints, as the headline's best trial and
 * Compare count them); the others are drawn as red rings. The line is exact over `rows` (every
 * completed trial); the points are those of `shown` (a sample of them, see {@link chartSample}: the
 * best trials and every step of the line among them).
 */
export function lossOption(
  data: TrialData,
  plotted: Plotted,
  rows: readonly number[],
  axis: ValueAxis,
  shown: readonly number[] = rows,
  feasible: (row: number) => boolean = () => true,
): ChartOption {
  const point = (row: number): [number, number] => [data.numbers[row]!, valueAt(plotted, row)];
  const points = shown.filter(feasible).map(point);
  const outside = shown.filter((row) => !feasible(row)).map(point);
  const best = bestSoFar(rows.filter(feasible), (row) => data.numbers[row]!, (row) => valueAt(plotted, row), sign(plotted)).steps;
  const first = rows.length ? data.numbers[rows[0]!]! : 1;
  const last = rows.length ? data.numbers[rows[rows.length - 1]!]! : 1;
  return {
    animation: false,
    grid: { ...GRID, left: 64 },
    tooltip: { trigger: 'item', valueFormatter: tooltipNumber },
    legend: { top: 0, right: 8, textStyle: { fontSize: 11, color: '#5b6473' }, itemHeight: 8 },
    // Trial numbers: whole ticks, labelled only where there are trials; a lone trial sits mid-axis.
    xAxis: {
      type: 'value',
      name: 'trial',
      nameLocation: 'middle',
      nameGap: 24,
      min: first === last ? Math.max(0, first - 1) : first,
      max: first === last ? last + 1 : last,
      minInterval: 1,
      ...AXIS,
      axisLabel: { ...AXIS.axisLabel, hideOverlap: true, formatter: (value: number) => (Number.isInteger(value) && value >= first && value <= last ? String(value) : '') },
      nameTextStyle: AXIS_NAME,
    },
    yAxis: plottedAxis(plotted, rows, axis, 48),
    series: [
      // ECharts' default tooltip escapes the series name (the objective's, the user's).
      { name: plotted.name, type: 'scatter', data: points, symbolSize: 3, itemStyle: { color: POINT }, ...LARGE },
      ...(outside.length
        ? [{ name: 'infeasible', type: 'scatter' as const, data: outside, ...LARGE, symbol: 'circle', symbolSize: 5, itemStyle: { color: 'rgba(255, 255, 255, 0)', borderColor: INFEASIBLE, borderWidth: 1 } }]
        : []),
      { name: 'best so far', type: 'line', data: best, step: 'end', showSymbol: false, lineStyle: { color: BEST, width: 2 }, itemStyle: { color: BEST } },
    ],
  };
}

/** Parameter importance as horizontal bars, most important on top. */
export function importanceOption(items: readonly { parameter: string; importance: number }[]): ChartOption {
  const ordered = [...items].reverse();
  return {
    animation: false,
    grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v) => `${((v as number) * 100).toFixed(1)}%` },
    xAxis: { type: 'value', max: 1, show: false },
    // Long parameter names are cut short (the tooltip has them whole), or they would leave no room for the bars.
    yAxis: { type: 'category', data: ordered.map((i) => i.parameter), ...AXIS, axisLabel: { ...AXIS.axisLabel, width: 140, overflow: 'truncate' }, axisTick: { show: false } },
    series: [
      {
        type: 'bar',
        data: ordered.map((i) => i.importance),
        barMaxWidth: 18,
        itemStyle: { color: ACCENT, borderRadius: [0, 3, 3, 0] },
        label: { show: true, position: 'right', formatter: (p) => `${((p.value as number) * 100).toFixed(0)}%`, color: '#5b6473', fontSize: 11 },
      },
    ],
  };
}

/** The plotted value (the loss, or the first objective) against one parameter (a slice plot): the points of `shown`, the axis over `rows`. */
export function sliceOption(data: TrialData, plotted: Plotted, rows: readonly number[], name: string, kind: ParameterKind, axis: ValueAxis, shown: readonly number[] = rows): ChartOption {
  const values = data.params.get(name) ?? [];
  const categorical = kind.kind === 'categorical';
  const points: [number | string, number, number][] = [];
  for (const row of shown) {
    const value = values[row];
    if (value === null || value === undefined) continue;
    points.push([categorical ? formatChoice(value) : Number(value), valueAt(plotted, row), data.numbers[row]!]);
  }
  return {
    animation: false,
    grid: { ...GRID, left: 64, top: 8, bottom: 40 },
    tooltip: {
      trigger: 'item',
      formatter: (p) => {
        const [x, y, n] = (p as unknown as { value: [unknown, number, number] }).value;
        return tooltipLines(`trial ${n}`, `${name} = ${typeof x === 'number' ? formatNumber(x) : String(x)}`, `${plotted.name} = ${formatNumber(y)}`);
      },
    },
    // The parameter's name titles the x axis (ECharts draws it as text: no HTML).
    xAxis: {
      ...(categorical
        ? { type: 'category' as const, data: kind.choices as string[], ...AXIS, axisLabel: { ...AXIS.axisLabel, hideOverlap: true } }
        : { type: kind.kind === 'numeric' && kind.log ? ('log' as const) : ('value' as const), scale: true, ...AXIS, axisLabel: VALUE_LABEL }),
      name,
      nameLocation: 'middle',
      nameGap: 24,
      nameTextStyle: AXIS_NAME,
    },
    yAxis: plottedAxis(plotted, rows, axis, 48),
    series: [{ type: 'scatter', data: points, symbolSize: 4, itemStyle: { color: POINT }, ...LARGE }],
  };
}

/**
 * Parallel coordinates: one axis per tunable parameter and the plotted value (the loss, or the first
 * objective); lines coloured by that value, dark is better.
 */
export function parallelOption(data: TrialData, plotted: Plotted, rows: readonly number[], names: readonly string[], kinds: Map<string, ParameterKind>, log: boolean): ChartOption {
  // A categorical axis reads a number as a category's index: its choices (`[16, 32, 64]` too) go by their names (formatChoice, as the axis lists them).
  const columns = names.map((name) => {
    const column = data.params.get(name) ?? [];
    return kinds.get(name)?.kind === 'categorical' ? column.map((value) => (value === null || value === undefined ? null : formatChoice(value))) : column;
  });
  const lines = parallelSample(plotted, rows).map((row) => [...columns.map((column) => column[row] ?? null), valueAt(plotted, row)]);
  let min = Infinity;
  let max = -Infinity;
  for (const row of rows) {
    min = Math.min(min, valueAt(plotted, row));
    max = Math.max(max, valueAt(plotted, row));
  }
  return {
    animation: false,
    parallel: {
      left: 48,
      right: 88,
      top: 28,
      bottom: 24,
      parallelAxisDefault: {
        nameTextStyle: { color: '#1d2430', fontSize: 12, fontWeight: 600 },
        ...AXIS,
      },
    },
    parallelAxis: [
      ...names.map((name, dim) => {
        const kind = kinds.get(name);
        if (kind?.kind === 'categorical') return { dim, name, type: 'category' as const, data: kind.choices as string[] };
        return { dim, name, type: kind?.kind === 'numeric' && kind.log ? ('log' as const) : ('value' as const), scale: true };
      }),
      { dim: names.length, name: plotted.name, type: log ? ('log' as const) : ('value' as const), scale: true },
    ],
    visualMap: {
      show: true,
      dimension: names.length,
      min: Number.isFinite(min) ? min : 0,
      max: Number.isFinite(max) && max > min ? max : min + 1,
      // From the lowest value to the highest: dark to light when lower is better.
      inRange: { color: sign(plotted) > 0 ? [...RAMP].reverse() : [...RAMP] },
      right: 0,
      top: 'middle',
      itemHeight: 120,
      itemWidth: 10,
      text: ['high', 'low'],
      textStyle: { color: '#5b6473', fontSize: 11 },
      calculable: true,
    },
    series: [
      {
        type: 'parallel',
        data: lines as never,
        lineStyle: { width: 1, opacity: rows.length > 500 ? 0.25 : 0.5 },
        progressive: 0,
        smooth: false,
        emphasis: { disabled: true },
      },
    ],
  };
}

/** A numeric custom metric over completion time, for the trials of `rows` (a sample of them, see {@link chartSample}). */
export function metricOption(data: TrialData, rows: readonly number[], name: string): ChartOption {
  const values = data.metrics.get(name) ?? [];
  const points: [number, number, number][] = [];
  for (const row of rows) {
    const value = values[row];
    const time = data.completedAt[row] ?? data.createdAt[row]!;
    if (typeof value === 'number' && Number.isFinite(value)) points.push([time, value, data.numbers[row]!]);
  }
  points.sort((a, b) => a[0] - b[0]);
  const start = points[0]?.[0] ?? Date.now();
  const end = points[points.length - 1]?.[0] ?? start;
  // ECharts pads a short time span to days; a little room either side instead, at least a minute.
  const room = Math.max((end - start) * 0.05, 60_000);
  return {
    animation: false,
    grid: { ...GRID, left: 64, top: 8, bottom: 40 },
    tooltip: {
      trigger: 'item',
      formatter: (p) => {
        const [t, v, n] = (p as unknown as { value: [number, number, number] }).value;
        return tooltipLines(`trial ${n}`, new Date(t).toLocaleString(), `${name} = ${formatNumber(v)}`);
      },
    },
    xAxis: {
      type: 'time',
      name: 'completed',
      nameLocation: 'middle',
      nameGap: 24,
      nameTextStyle: AXIS_NAME,
      min: start - room,
      max: end + room,
      splitNumber: 4,
      ...AXIS,
      axisLabel: { ...AXIS.axisLabel, hideOverlap: true },
    },
    yAxis: { type: 'value', name, nameLocation: 'middle', nameGap: 48, nameTextStyle: AXIS_NAME, scale: true, ...AXIS, axisLabel: VALUE_LABEL },
    series: [{ type: 'scatter', data: points, symbolSize: 3, itemStyle: { color: POINT }, ...LARGE }],
  };
}

/**
 * The completed trials the scatter charts draw as points: all of them up to
 * {@link MAX_SCATTER_POINTS}; beyond, the best {@link BEST_SCATTER_POINTS}, every trial where the best
 * so far improved, and an even sample of the others, in trial order.
 */
export function chartSample(data: TrialData, plotted: Plotted, rows: readonly number[], feasible: (row: number) => boolean = () => true): readonly number[] {
  if (rows.length <= MAX_SCATTER_POINTS) return rows;
  const value = (row: number) => valueAt(plotted, row);
  const steps = bestSoFar(rows.filter(feasible), (row) => data.numbers[row]!, value, sign(plotted)).rows;
  return scatterSample(rows, value, sign(plotted), steps);
}

/** Names of the metrics that hold at least one finite number. */
export function numericMetrics(data: TrialData): string[] {
  return [...data.metrics.entries()].filter(([, values]) => values.some((v) => typeof v === 'number' && Number.isFinite(v))).map(([name]) => name);
}

/** The rows the parallel coordinates draw: all up to {@link PARALLEL_LINES}; beyond, the best half of that and an even sample of the rest, worst first (the best drawn on top). */
export function parallelSample(plotted: Plotted, rows: readonly number[]): readonly number[] {
  const s = sign(plotted);
  if (rows.length <= PARALLEL_LINES) return rows;
  const chosen = scatterSample(rows, (row) => valueAt(plotted, row), s, [], PARALLEL_LINES, PARALLEL_LINES / 2);
  return chosen.sort((a, b) => s * valueAt(plotted, b) - s * valueAt(plotted, a));
}

/** A learning curve as drawn: `rank` is its place among the highlighted best trials (0 is the best), or -1. */
export interface DrawnCurve {
  readonly number: number;
  readonly state: string;
  readonly prunedStep: number | null;
  readonly steps: readonly number[];
  readonly values: readonly number[];
  readonly rank: number;
}

/** The learning curves to draw: the best completed trials' and the latest {@link MAX_CURVES} others', in trial order. */
export function learningCurves(data: TrialData): DrawnCurve[] {
  const best = data.bestCurves(HIGHLIGHTED_CURVES);
  const latest = [...data.curves.keys()].sort((a, b) => b - a).slice(0, MAX_CURVES);
  return [...new Set([...latest, ...best])]
    .sort((a, b) => a - b)
    .map((number) => {
      const row = data.rowOf(number);
      const curve = data.curves.get(number)!;
      return {
        number,
        state: row === undefined ? 'RUNNING' : data.states[row]!,
        prunedStep: row === undefined ? null : (data.prunedSteps[row] ?? null),
        steps: curve.steps,
        values: curve.values,
        rank: best.indexOf(number),
      };
    });
}

/** How many points the learning curves draw in all. */
export function curvePoints(curves: readonly DrawnCurve[]): number {
  return curves.reduce((sum, curve) => sum + curve.steps.length, 0);
}

/**
 * Intermediate values by step, a line per trial: the best completed trials in colour and thicker,
 * pruned ones light grey, the others (running ones among them) in the neutral accent. Lines take no
 * mouse events; a dot on each point carries the tooltip (large scatter series: one path per style).
 */
export function learningCurvesOption(curves: readonly DrawnCurve[]): ChartOption {
  const byNumber = new Map(curves.map((curve) => [curve.number, curve]));
  const points = (curve: DrawnCurve): [number, number, number][] => curve.steps.map((step, i) => [step, curve.values[i]!, curve.number]);
  const pruned = curves.filter((curve) => curve.rank < 0 && curve.state === 'PRUNED');
  const neutral = curves.filter((curve) => curve.rank < 0 && curve.state !== 'PRUNED');
  const best = curves.filter((curve) => curve.rank >= 0).sort((a, b) => b.rank - a.rank);
  const name = (curve: DrawnCurve) => `trial ${curve.number}`;
  const line = (curve: DrawnCurve, color: string, width: number) => ({
    type: 'line' as const,
    name: name(curve),
    data: points(curve),
    showSymbol: false,
    silent: true,
    lineStyle: { color, width },
    itemStyle: { color },
  });
  const dots = (group: readonly DrawnCurve[], color: string, size: number) => ({
    type: 'scatter' as const,
    data: group.flatMap(points),
    symbolSize: size,
    itemStyle: { color },
    ...LARGE,
  });
  return {
    animation: false,
    grid: { ...GRID, left: 64, top: 24, bottom: 40 },
    tooltip: {
      trigger: 'item',
      formatter: (p) => {
        const [step, value, number] = (p as unknown as { value: [number, number, number] }).value;
        const curve = byNumber.get(number);
        const state = curve?.state.toLowerCase() ?? '';
        return tooltipLines(
          `trial ${number} · ${curve?.state === 'PRUNED' && curve.prunedStep !== null ? `${state} at step ${curve.prunedStep}` : state}`,
          `step ${step}`,
          `value = ${formatNumber(value)}`,
        );
      },
    },
    legend: { top: 0, right: 8, data: [...best].reverse().map(name), textStyle: { fontSize: 11, color: '#5b6473' }, itemHeight: 8 },
    // Steps are whole numbers: no tick between two of them (0.5, 1.5 on a 3-step curve).
    xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 24, min: 'dataMin', max: 'dataMax', minInterval: 1, ...AXIS, axisLabel: VALUE_LABEL, nameTextStyle: { color: '#5b6473' } },
    yAxis: {
      name: 'value',
      nameLocation: 'middle',
      nameGap: 48,
      scale: true,
      ...curveValueScale(curves.flatMap((curve) => curve.values)),
      ...AXIS,
      axisLabel: VALUE_LABEL,
      nameTextStyle: { color: '#5b6473' },
    },
    // Drawn in this order: pruned below, the best on top.
    series: [
      ...pruned.map((curve) => line(curve, PRUNED, 1)),
      ...neutral.map((curve) => line(curve, POINT, 1.25)),
      ...best.map((curve) => line(curve, HIGHLIGHTS[curve.rank]!, 2.5)),
      dots(pruned, PRUNED, 3),
      dots(neutral, POINT, 4),
      ...best.map((curve) => ({ ...dots([curve], HIGHLIGHTS[curve.rank]!, 5), name: name(curve) })),
    ],
  };
}
