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

/**
 * A sized box for a chart, and the canvas labelled for screen readers that goes in it. The
 * canvas is put in by the first draw: a tab never shown has none (and no empty chart).
 */
export function chartBox(label: string): { node: HTMLDivElement; canvas: HTMLCanvasElement } {
  const node = document.createElement('div');
  node.className = 'jp-SlipwayMonitor-chart';
  const canvas = document.createElement('canvas');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  return { node, canvas };
}
