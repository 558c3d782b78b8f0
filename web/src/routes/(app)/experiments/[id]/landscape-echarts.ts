// What the loss landscape charts and the trial page draw besides the Trials panel's charts
// (echarts.ts): the contour's cells (a custom series), its brush, and marker lines. Registered once, on the same ECharts core.
import { CustomChart } from 'echarts/charts';
import { BrushComponent, MarkLineComponent } from 'echarts/components';
import { echarts } from './echarts';

echarts.use([CustomChart, BrushComponent, MarkLineComponent]);

/** ECharts with the custom series, brush and mark lines the loss landscape draws with registered. */
export { echarts };
