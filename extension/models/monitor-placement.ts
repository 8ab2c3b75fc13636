/** Where a new monitor goes in the main area: the options of `shell.add(widget, 'main', …)`. */
export interface MonitorPlacement {
  mode?: 'tab-after' | 'split-right';
  ref?: string;
}

/**
 * Below this width (px) the notebook a monitor was opened from is not split: two halves would
 * squeeze its cells until the cell toolbar no longer fits.
 */
export const MIN_SPLIT_WIDTH = 1200;

/** What the placement is decided on. */
export interface PlacementContext {
  /** The id of the monitor last shown (the tracker's current one), if any is open. */
  monitor?: string | null;
  /** The id of the widget the monitor was opened from (the published notebook), if any. */
  ref?: string | null;
  /** The width in px of that widget now; 0 when unknown or hidden. */
  refWidth?: number;
}

/**
 * Monitors share one tab area: a new one goes beside the last one shown, as a tab. The first
 * one splits the notebook it was published from when that is wide enough for two, and
 * otherwise becomes a tab beside it, so that the notebook keeps its width.
 */
export function monitorPlacement({
  monitor = null,
  ref = null,
  refWidth = 0,
}: PlacementContext): MonitorPlacement {
  if (monitor) return { mode: 'tab-after', ref: monitor };
  if (!ref) return {};
  return refWidth >= MIN_SPLIT_WIDTH ? { mode: 'split-right', ref } : { mode: 'tab-after', ref };
}
