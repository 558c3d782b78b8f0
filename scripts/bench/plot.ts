import { writeFileSync } from 'node:fs';
import * as echarts from 'echarts';
import { median, readRuns } from './common.ts';
import { extraProblems, publicProblems } from './problems.ts';

const COLORS: Record<string, string> = {
  'oscar-w1': '#d62728',
  'oscar-w8': '#ff7f0e',
  'optuna-tpe': '#1f77b4',
  'optuna-random': '#7f7f7f',
  'optuna-tpe_mv': '#17becf',
  'sklearn-gp-ei': '#2ca02c',
};

const PANEL = { width: 360, height: 240, gapX: 40, gapY: 70, left: 60, top: 60 } as const;

/**
 * Writes an SVG (ECharts, server-side rendered) of the median best-so-far regret (log scale) against
 * the trial count, one panel per problem, one line per system, from JSON-lines run files.
 */
export function writePlot(files: readonly string[], target: string): void {
  const optimum = new Map([...publicProblems, ...extraProblems].map((p) => [p.name, p.optimum]));
  const runs = readRuns(...files).filter((r) => optimum.has(r.problem));
  const problems = [...new Set(runs.map((r) => r.problem))];
  const systems = [...new Set(runs.map((r) => r.system))].sort();
  const seeds = new Set(runs.filter((r) => r.system.startsWith('oscar')).map((r) => r.seed)).size || new Set(runs.map((r) => r.seed)).size;
  const cols = Math.min(3, problems.length);
  const rows = Math.ceil(problems.length / cols);
  const width = PANEL.left + cols * (PANEL.width + PANEL.gapX);
  const height = PANEL.top + rows * (PANEL.height + PANEL.gapY) + 40;
  const at = (index: number) => ({
    left: PANEL.left + (index % cols) * (PANEL.width + PANEL.gapX),
    top: PANEL.top + Math.floor(index / cols) * (PANEL.height + PANEL.gapY),
  });
  const series = problems.flatMap((problem, index) =>
    systems.flatMap((system) => {
      const mine = runs.filter((r) => r.problem === problem && r.system === system);
      if (!mine.length) return [];
      const length = Math.min(...mine.map((r) => r.curve.length));
      const data = Array.from({ length }, (_, t) => [t + 1, Math.max(median(mine.map((r) => r.curve[t]! - optimum.get(problem)!)), 1e-9)]);
      return [{ type: 'line' as const, name: system, data, xAxisIndex: index, yAxisIndex: index, showSymbol: false, color: COLORS[system] ?? '#000', lineStyle: { width: 2 } }];
    }),
  );
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({
    animation: false,
    backgroundColor: '#fff',
    textStyle: { fontFamily: 'sans-serif' },
    title: [
      { text: `Median regret of the best trial so far (log scale), ${seeds} seeds`, left: PANEL.left, top: 8, textStyle: { fontSize: 14 } },
      ...problems.map((problem, index) => ({
        text: problem,
        left: at(index).left + PANEL.width / 2,
        top: at(index).top - 24,
        textAlign: 'center' as const,
        textStyle: { fontSize: 12 },
      })),
    ],
    legend: { data: systems, bottom: 8, left: PANEL.left },
    grid: problems.map((_, index) => ({ ...at(index), width: PANEL.width, height: PANEL.height })),
    xAxis: problems.map((_, index) => ({ gridIndex: index, type: 'value', name: 'trial', nameLocation: 'middle', nameGap: 22, min: 1 })),
    yAxis: problems.map((_, index) => ({ gridIndex: index, type: 'log', axisLabel: { formatter: (v: number) => v.toExponential(0) } })),
    series,
  });
  writeFileSync(target, chart.renderToSVGString());
  chart.dispose();
}
