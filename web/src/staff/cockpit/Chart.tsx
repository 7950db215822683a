/**
 * A small React wrapper around one ECharts instance: created on mount with the SVG renderer,
 * given each new option whole (notMerge), resized with its box, disposed on unmount.
 */
import { useEffect, useRef } from 'react';
import { echarts, type ECOption } from './echarts';

type ClickParams = { componentType?: string; seriesType?: string; name?: string; dataIndex?: number; data?: unknown };

export interface ChartProps {
  option: ECOption;
  height?: number;
  /** the chart's accessible name (the figure's role is img; the data is also given in text nearby) */
  label: string;
  onClick?: (p: ClickParams) => void;
  className?: string;
  testId?: string;
}

export function Chart({ option, height = 280, label, onClick, className, testId }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const click = useRef(onClick);
  click.current = onClick;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const c = echarts.init(el, undefined, { renderer: 'svg', locale: 'ZH' });
    chart.current = c;
    c.on('click', (p) => click.current?.(p as ClickParams));
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  return <div ref={box} className={className} style={{ height, width: '100%' }} role="img" aria-label={label} data-testid={testId} />;
}
