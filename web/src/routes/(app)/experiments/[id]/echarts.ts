// ECharts, tree-shaken: only the charts and components the Trials panel draws are bundled.
import * as echarts from 'echarts/core';
import { BarChart, LineChart, ParallelChart, ScatterChart } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  ParallelComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
// Type-only: the full option type costs nothing in the bundle.
import type { EChartsOption } from 'echarts';

echarts.use([
  BarChart,
  LineChart,
  ParallelChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  ParallelComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

/** An option object for the charts registered here. */
export type ChartOption = EChartsOption;

export { echarts };

const queue = new Map<object, () => void>();
let draining = false;

/**
 * A task draws charts until it has taken this long, then yields (a chart is never cut short): the
 * browser paints the page between tasks, not between every two charts.
 */
const DRAW_TASK_MS = 40;

/**
 * Runs chart updates in short tasks, so a page of charts over 100,000 trials never blocks the main
 * thread for long: the trial table and incoming results get their turn between tasks. A chart's
 * newer update replaces its pending one.
 */
export function scheduleDraw(chart: object, draw: () => void): void {
  queue.delete(chart);
  queue.set(chart, draw);
  if (draining) return;
  draining = true;
  const next = () => {
    const start = performance.now();
    for (let entry = queue.entries().next(); !entry.done; entry = queue.entries().next()) {
      const [key, task] = entry.value;
      queue.delete(key);
      task();
      if (performance.now() - start >= DRAW_TASK_MS) {
        setTimeout(next, 0);
        return;
      }
    }
    draining = false;
  };
  setTimeout(next, 0);
}

/** Forgets a chart's pending update (it is being disposed). */
export function cancelDraw(chart: object): void {
  queue.delete(chart);
}

/**
 * Resizes a chart when its element's size changes; returns the function that stops following it.
 * ResizeObserver also reports an element's size once when observing starts, and a resize re-renders
 * the whole chart: that first report, and any other at the size the chart already has, is skipped.
 */
export function followSize(element: HTMLElement, chart: echarts.ECharts): () => void {
  const observer = new ResizeObserver(() => {
    if (chart.isDisposed()) return;
    if (Math.round(element.clientWidth) === chart.getWidth() && Math.round(element.clientHeight) === chart.getHeight()) return;
    chart.resize();
  });
  observer.observe(element);
  return () => observer.disconnect();
}
