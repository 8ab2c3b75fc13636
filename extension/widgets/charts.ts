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

/**
 * Reads a JupyterLab theme variable so a chart follows light and dark themes. The theme sets
 * its variables on the document: a box not yet in the page reads them there.
 */
export function themeColor(node: HTMLElement, variable: string, fallback: string): string {
  const from = node.isConnected ? node : document.documentElement;
  return getComputedStyle(from).getPropertyValue(variable).trim() || fallback;
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

/** The charts drawn now, drawn again when the theme changes. */
const themedCharts = new Set<{ retheme(): void }>();
let themeWatch: MutationObserver | null = null;

/**
 * JupyterLab marks the theme on the body (`data-jp-theme-name`) once its styles are in: a
 * canvas keeps the colours it was drawn with, so the charts are drawn again then.
 */
function watchTheme(): void {
  if (themeWatch || typeof MutationObserver === 'undefined') return;
  themeWatch = new MutationObserver(() => {
    for (const chart of themedCharts) chart.retheme();
  });
  themeWatch.observe(document.body, {
    attributes: true,
    attributeFilter: ['data-jp-theme-name', 'data-jp-theme-light'],
  });
}

/**
 * A chart in a sized box, its canvas labelled for screen readers, in the theme's colours (and
 * drawn again in the new ones when the theme changes). The canvas is put in by the first
 * draw: a tab never shown has none (and no empty chart). `S` is what one draw shows.
 */
export abstract class MonitorChart<S> {
  readonly node: HTMLDivElement;
  protected readonly canvas: HTMLCanvasElement;
  private chart: Chart | null = null;
  private shown: { input: S } | null = null;

  constructor(label: string) {
    this.node = document.createElement('div');
    this.node.className = 'jp-SlipwayMonitor-chart';
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', label);
    themedCharts.add(this);
    watchTheme();
  }

  dispose(): void {
    themedCharts.delete(this);
    this.chart?.destroy();
    this.chart = null;
  }

  /** Makes the chart again in the theme's colours of now, with what it showed. */
  retheme(): void {
    if (!this.chart) return;
    this.chart.destroy();
    this.chart = null;
    if (this.shown) this.show(this.shown.input);
  }

  /** Draws `input`; the first draw makes the chart, in the theme's colours of that moment. */
  protected show(input: S): void {
    this.shown = { input };
    if (!this.chart) {
      this.node.append(this.canvas);
      this.chart = this.create({
        text: themeColor(this.node, '--jp-ui-font-color1', '#333'),
        grid: themeColor(this.node, '--jp-border-color2', '#ddd'),
      });
    }
    this.draw(this.chart, input);
    this.chart.update('none');
  }

  protected abstract create(colors: AxisColors): Chart;

  /** Puts `input` into the chart's data (the caller updates the chart). */
  protected abstract draw(chart: Chart, input: S): void;
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
