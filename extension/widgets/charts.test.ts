// @vitest-environment jsdom
import '../testing/dom-shims.js';
import { nullTranslator } from '@jupyterlab/translation';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LatencyChart } from './LatencyChart.js';

// jsdom has no canvas: a stand-in Chart keeps the options and data each chart was made with.
type Scale = { ticks: { color: string }; grid: { color: string }; title?: { color: string } };
type Drawn = {
  destroyed: boolean;
  options: { plugins: { legend: { labels: { color: string } } }; scales: Record<string, Scale> };
  data: { labels: string[]; datasets: { data: unknown[]; borderColor?: string }[] };
};
const charts = vi.hoisted(() => [] as Drawn[]);
vi.mock('chart.js', async (original) => ({
  ...(await original<typeof import('chart.js')>()),
  Chart: class {
    static register() {}
    destroyed = false;
    data: unknown;
    options: unknown;
    constructor(_canvas: unknown, config: { data: unknown; options: unknown }) {
      this.data = config.data;
      this.options = config.options;
      charts.push(this as never);
    }
    update() {}
    destroy() {
      this.destroyed = true;
    }
  },
}));

const trans = nullTranslator.load('slipway');
const series = {
  labels: ['10:00', '10:01'],
  p50: [1, 2],
  p95: [3, 4],
  p99: [5, 6],
  count: [7, 8],
  errors: [0, 1],
};

/** Sets the theme's variables where JupyterLab puts them, then marks the theme on the body. */
function applyTheme(name: string, vars: Record<string, string>): void {
  for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
  document.body.dataset.jpThemeName = name;
}

/** MutationObserver callbacks run as a microtask after the change. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  charts.length = 0;
});

describe('monitor charts and the theme', () => {
  it('draws in the theme of the moment and again in the next one, with the same figures', async () => {
    applyTheme('JupyterLab Light', {
      '--jp-ui-font-color1': 'rgba(0, 0, 0, 0.87)',
      '--jp-border-color2': '#e0e0e0',
      '--jp-brand-color1': '#1976d2',
    });
    const chart = new LatencyChart(trans);
    chart.update(series);
    expect(charts).toHaveLength(1);
    const light = charts[0]!;
    expect(light.options.plugins.legend.labels.color).toBe('rgba(0, 0, 0, 0.87)');
    expect(light.options.scales.x!.ticks.color).toBe('rgba(0, 0, 0, 0.87)');
    expect(light.options.scales.ms!.title!.color).toBe('rgba(0, 0, 0, 0.87)');
    expect(light.data.datasets[0]!.borderColor).toBe('#1976d2');

    applyTheme('JupyterLab Dark', {
      '--jp-ui-font-color1': 'rgba(255, 255, 255, 0.87)',
      '--jp-border-color2': '#424242',
      '--jp-brand-color1': '#2196f3',
    });
    await settled();
    expect(charts).toHaveLength(2);
    expect(light.destroyed).toBe(true);
    const dark = charts[1]!;
    expect(dark.options.plugins.legend.labels.color).toBe('rgba(255, 255, 255, 0.87)');
    expect(dark.options.scales.x!.grid.color).toBe('#424242');
    expect(dark.options.scales.calls!.ticks.color).toBe('rgba(255, 255, 255, 0.87)');
    expect(dark.data.datasets[0]!.borderColor).toBe('#2196f3');
    expect(dark.data.labels).toEqual(series.labels);
    expect(dark.data.datasets.map((d) => d.data)).toEqual([
      series.p50,
      series.p95,
      series.p99,
      series.count,
      series.errors,
    ]);

    // A disposed chart is left alone by later theme changes.
    chart.dispose();
    applyTheme('JupyterLab Light', { '--jp-ui-font-color1': 'rgba(0, 0, 0, 0.87)' });
    await settled();
    expect(charts).toHaveLength(2);
  });

  it('makes no chart on a theme change before its first figures', async () => {
    const chart = new LatencyChart(trans);
    applyTheme('JupyterLab Dark', { '--jp-ui-font-color1': 'white' });
    await settled();
    expect(charts).toHaveLength(0);
    chart.dispose();
  });
});
