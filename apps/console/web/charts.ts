/**
 * The cockpit's charts: ECharts with only what they use (line and bar charts, grid, tooltip,
 * legend, the SVG renderer — sharp on paper). No animation: the board is read, and printed.
 */
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { init, use, type ComposeOption, type EChartsType } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';

use([LineChart, BarChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

type Option = ComposeOption<LineSeriesOption | BarSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption>;

const FONT = "'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";
const COLORS = ['#b3261e', '#0b57d0', '#e8a33d', '#2e7d32'];
const yi = (wan: number) => Math.round(wan / 100) / 100;

/** Draws (or redraws) a chart into an element and follows its size. */
export function drawChart(element: HTMLElement, option: Option): () => void {
  const chart: EChartsType = init(element, undefined, { renderer: 'svg' });
  chart.setOption({ animation: false, color: COLORS, textStyle: { fontFamily: FONT }, ...option });
  const resize = () => chart.resize();
  addEventListener('resize', resize);
  addEventListener('beforeprint', resize);
  return () => {
    removeEventListener('resize', resize);
    removeEventListener('beforeprint', resize);
    chart.dispose();
  };
}

export interface TrendInput {
  readonly months: ReadonlyArray<{ signedCumulativeWan: number; startedCumulativeWan: number }>;
  /** Months shown: those up to the board's date. */
  readonly through: number;
  readonly targets: { signedWan: number | null; startedWan: number | null };
}

/** 累计趋势: signed and started totals cumulated month by month, in 亿元, against the year's target taken evenly. */
export function trendOption({ months, through, targets }: TrendInput): Option {
  const labels = months.map((_, i) => `${i + 1}月`);
  const upTo = (values: number[]) => values.map((v, i) => (i < through ? yi(v) : null));
  const line = (name: string, data: Array<number | null>, dashed = false): LineSeriesOption => ({
    name,
    type: 'line',
    data,
    symbolSize: dashed ? 0 : 6,
    lineStyle: dashed ? { type: 'dashed', width: 1.5 } : { width: 2.5 },
    connectNulls: false,
  });
  const series: LineSeriesOption[] = [
    line('签约额累计', upTo(months.map((m) => m.signedCumulativeWan))),
    line('开工额累计', upTo(months.map((m) => m.startedCumulativeWan))),
  ];
  if (targets.signedWan !== null)
    series.push(
      line(
        '签约目标(序时)',
        labels.map((_, i) => yi((targets.signedWan! * (i + 1)) / 12)),
        true,
      ),
    );
  if (targets.startedWan !== null)
    series.push(
      line(
        '开工目标(序时)',
        labels.map((_, i) => yi((targets.startedWan! * (i + 1)) / 12)),
        true,
      ),
    );
  return {
    grid: { left: 56, right: 16, top: 40, bottom: 28 },
    legend: { top: 0 },
    tooltip: {
      trigger: 'axis',
      valueFormatter: (v) => (v === null || v === undefined ? '—' : `${Number(v).toLocaleString('zh-CN')} 亿元`),
    },
    xAxis: { type: 'category', data: labels },
    yAxis: { type: 'value', name: '亿元', nameTextStyle: { align: 'right' } },
    series,
  };
}

/**
 * A breakdown as horizontal bars per Chinese name: signed projects (个) on the bottom axis and the
 * amount signed (亿元) on the top one — a count and an amount never share a scale; each axis is
 * drawn in its series' colour and named by its unit.
 */
export function breakdownOption(rows: ReadonlyArray<{ name: string; count: number; amountWan: number }>): Option {
  const names = rows.map((r) => r.name);
  const axis = (name: string, position: 'top' | 'bottom', color: string) => ({
    type: 'value' as const,
    name,
    position,
    nameLocation: 'end' as const,
    nameGap: 6,
    splitLine: { show: position === 'bottom' },
    axisLine: { show: true, lineStyle: { color } },
    axisLabel: { color, hideOverlap: true },
    nameTextStyle: { color },
  });
  return {
    grid: { left: 8, right: 40, top: 52, bottom: 8, containLabel: true },
    legend: { top: 0 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: [axis('个', 'bottom', COLORS[0]), axis('亿元', 'top', COLORS[1])],
    yAxis: { type: 'category', data: names, inverse: true },
    series: [
      { name: '签约项目(个)', type: 'bar', xAxisIndex: 0, data: rows.map((r) => r.count), label: { show: true, position: 'right' } },
      { name: '签约额(亿元)', type: 'bar', xAxisIndex: 1, data: rows.map((r) => yi(r.amountWan)) },
    ],
  };
}
