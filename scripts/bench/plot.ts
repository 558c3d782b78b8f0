import { writeFileSync } from 'node:fs';
import * as echarts from 'echarts';
import { median, readRuns } from './common.ts';
import { extraProblems, publicProblems, round2ExtraProblems, round2Problems } from './problems.ts';

const COLORS: Record<string, string> = {
  'oscar-w1': '#d62728',
  'oscar-w8': '#ff7f0e',
  'optuna-tpe': '#1f77b4',
  'optuna-random': '#7f7f7f',
  'optuna-tpe_mv': '#17becf',
  'sklearn-gp-ei': '#2ca02c',
};

const PANEL = { width: 360, height: 240, gapX: 40, gapY: 70, left: 60, top: 60 } as const;

/** One panel of a line chart: its title and one line per system, as [x, y] points (y > 0, log scale). */
export interface Panel {
  readonly title: string;
  readonly lines: readonly { readonly name: string; readonly data: readonly (readonly [number, number])[] }[];
}

/** What a chart of panels shows around them. */
export interface Chart {
  readonly title: string;
  /** The x axis's name, the same on every panel. */
  readonly xName: string;
  /** A line's colour by its name; black when absent. */
  readonly colors: Readonly<Record<string, string>>;
  /** Panels per row (at most). */
  readonly columns?: number;
  /** Where each panel's x axis starts. */
  readonly xMin?: number;
}

/** Writes an SVG (ECharts, server-side rendered) of line panels with a log-scale y axis and one legend. */
export function writePanels(chart: Chart, panels: readonly Panel[], target: string): void {
  const names = [...new Set(panels.flatMap((panel) => panel.lines.map((line) => line.name)))];
  const cols = Math.min(chart.columns ?? 3, panels.length);
  const rows = Math.ceil(panels.length / cols);
  const width = PANEL.left + cols * (PANEL.width + PANEL.gapX);
  const height = PANEL.top + rows * (PANEL.height + PANEL.gapY) + 40;
  const at = (index: number) => ({
    left: PANEL.left + (index % cols) * (PANEL.width + PANEL.gapX),
    top: PANEL.top + Math.floor(index / cols) * (PANEL.height + PANEL.gapY),
  });
  const series = panels.flatMap((panel, index) =>
    panel.lines.map((line) => ({
      type: 'line' as const,
      name: line.name,
      data: line.data,
      xAxisIndex: index,
      yAxisIndex: index,
      showSymbol: false,
      color: chart.colors[line.name] ?? '#000',
      lineStyle: { width: 2 },
    })),
  );
  const rendered = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  rendered.setOption({
    animation: false,
    backgroundColor: '#fff',
    textStyle: { fontFamily: 'sans-serif' },
    title: [
      { text: chart.title, left: PANEL.left, top: 8, textStyle: { fontSize: 14 } },
      ...panels.map((panel, index) => ({
        text: panel.title,
        left: at(index).left + PANEL.width / 2,
        top: at(index).top - 24,
        textAlign: 'center' as const,
        textStyle: { fontSize: 12 },
      })),
    ],
    legend: { data: names, bottom: 8, left: PANEL.left },
    grid: panels.map((_, index) => ({ ...at(index), width: PANEL.width, height: PANEL.height })),
    xAxis: panels.map((_, index) => ({ gridIndex: index, type: 'value', name: chart.xName, nameLocation: 'middle', nameGap: 22, min: chart.xMin ?? 0 })),
    yAxis: panels.map((_, index) => ({ gridIndex: index, type: 'log', axisLabel: { formatter: (v: number) => v.toExponential(0) } })),
    series,
  });
  writeFileSync(target, rendered.renderToSVGString());
  rendered.dispose();
}

/**
 * Writes an SVG of the median best-so-far regret (log scale) against the trial count, one panel per
 * problem, one line per system, from JSON-lines run files.
 */
export function writePlot(files: readonly string[], target: string): void {
  const optimum = new Map([...publicProblems, ...extraProblems, ...round2Problems, ...round2ExtraProblems].map((p) => [p.name, p.optimum]));
  const runs = readRuns(...files).filter((r) => optimum.has(r.problem));
  const problems = [...new Set(runs.map((r) => r.problem))];
  const systems = [...new Set(runs.map((r) => r.system))].sort();
  const seeds = new Set(runs.filter((r) => r.system.startsWith('oscar')).map((r) => r.seed)).size || new Set(runs.map((r) => r.seed)).size;
  const panels = problems.map((problem) => ({
    title: problem,
    lines: systems.flatMap((system) => {
      const mine = runs.filter((r) => r.problem === problem && r.system === system);
      if (!mine.length) return [];
      const length = Math.min(...mine.map((r) => r.curve.length));
      const data = Array.from({ length }, (_, t) => [t + 1, Math.max(median(mine.map((r) => r.curve[t]! - optimum.get(problem)!)), 1e-9)] as const);
      return [{ name: system, data }];
    }),
  }));
  writePanels({ title: `Median regret of the best trial so far (log scale), ${seeds} seeds`, xName: 'trial', colors: COLORS, xMin: 1 }, panels, target);
}
