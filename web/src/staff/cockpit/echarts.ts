/**
 * ECharts for the cockpit, by parts: only the charts and components drawn here, and the SVG
 * renderer (map regions are paths in the DOM: crisp when printed, reachable by tests). Only the
 * lazily loaded cockpit imports this module, so other pages do not load ECharts.
 */
import * as echarts from 'echarts/core';
import { BarChart, LineChart, MapChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([MapChart, LineChart, BarChart, PieChart, TooltipComponent, VisualMapComponent, GridComponent, LegendComponent, TitleComponent, SVGRenderer]);

export { echarts };
export type ECOption = echarts.EChartsCoreOption;
