import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ScaleOptions,
} from 'chart.js';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

/** Chart.js with the controllers Slipway's charts draw with, registered once. */
export { Chart };

/** Reads a JupyterLab theme variable so a chart follows light and dark themes. */
export function themeColor(node: HTMLElement, variable: string, fallback: string): string {
  return getComputedStyle(node).getPropertyValue(variable).trim() || fallback;
}

/** Colours for one line per version, from the theme where it has them. */
export function seriesColors(node: HTMLElement): string[] {
  return [
    themeColor(node, '--jp-brand-color1', '#1976d2'),
    themeColor(node, '--jp-warn-color1', '#f57c00'),
    themeColor(node, '--jp-success-color1', '#388e3c'),
    themeColor(node, '--jp-error-color1', '#d32f2f'),
    themeColor(node, '--jp-accent-color1', '#7b1fa2'),
  ];
}

/** The theme's colours for a chart's words and grid lines. */
export interface AxisColors {
  text: string;
  grid: string;
}

/**
 * A chart in a sized box, its canvas labelled for screen readers. The canvas is put in by the
 * first draw: a tab never shown has none (and no empty chart).
 */
export abstract class MonitorChart {
  readonly node: HTMLDivElement;
  protected readonly canvas: HTMLCanvasElement;
  private chart: Chart | null = null;

  constructor(label: string) {
    this.node = document.createElement('div');
    this.node.className = 'jp-SlipwayMonitor-chart';
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', label);
  }

  dispose(): void {
    this.chart?.destroy();
    this.chart = null;
  }

  /** The chart to draw on, made by the first draw in the theme's colours of that moment. */
  protected drawn(): Chart {
    if (!this.chart) {
      this.node.append(this.canvas);
      this.chart = this.create({
        text: themeColor(this.node, '--jp-ui-font-color1', '#333'),
        grid: themeColor(this.node, '--jp-border-color2', '#ddd'),
      });
    }
    return this.chart;
  }

  protected abstract create(colors: AxisColors): Chart;
}

/**
 * The options every monitor chart has: drawn at once, filling its box, its legend and time
 * axis in the theme's colours; `yAxes` are its value axes, by id.
 */
export function chartOptions(
  { text, grid }: AxisColors,
  yAxes: Record<string, ScaleOptions<'linear'>>,
) {
  return {
    animation: false as const,
    responsive: true,
    maintainAspectRatio: false,
    plugins: { legend: { labels: { color: text } } },
    scales: { x: { ticks: { color: text }, grid: { color: grid } }, ...yAxes },
  };
}

/** A value axis titled `title`, in the theme's colours. */
export function valueAxis({ text, grid }: AxisColors, title: string): ScaleOptions<'linear'> {
  return {
    type: 'linear',
    title: { display: true, text: title, color: text },
    ticks: { color: text },
    grid: { color: grid },
  };
}
