import type { TranslationBundle } from '@jupyterlab/translation';

/**
 * A figure for a table: three significant digits, scientific for the very small (p-values),
 * `–` for none. Digits only: no words, so nothing to translate.
 */
export function formatFigure(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs < 1e-3 || abs >= 1e6) return value.toExponential(2);
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(3)));
}

/** A share as a percentage, in the user's words: `12.5%`. */
export function formatShare(value: number | null | undefined, trans: TranslationBundle): string {
  if (value === null || value === undefined) return '–';
  return trans.__('%1%', (value * 100).toFixed(1));
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A bucket's start for a chart axis in local time: `11-22 10:00` by hour, `2026-11-22` by day. */
export function bucketLabel(iso: string, bucket: 'hour' | 'day'): string {
  const d = new Date(iso);
  const day = `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return bucket === 'day'
    ? `${d.getFullYear()}-${day}`
    : `${day} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The windows the quality and drift tabs offer, ending now. */
export type WindowId = '1h' | '24h' | '7d' | '30d';

export const WINDOW_HOURS: Record<WindowId, number> = { '1h': 1, '24h': 24, '7d': 168, '30d': 720 };

/** The window's ends, `now` included. */
export function windowRange(id: WindowId, now: Date): { from: Date; to: Date } {
  return { from: new Date(now.getTime() - WINDOW_HOURS[id] * 3_600_000), to: now };
}

/** The window's name for a picker. */
export function windowLabel(id: WindowId, trans: TranslationBundle): string {
  switch (id) {
    case '1h':
      return trans.__('Last hour');
    case '24h':
      return trans.__('Last 24 hours');
    case '7d':
      return trans.__('Last 7 days');
    case '30d':
      return trans.__('Last 30 days');
  }
}
