// @vitest-environment jsdom
import '../testing/dom-shims.js';
import { DockPanel, Widget } from '@lumino/widgets';
import { describe, expect, it } from 'vitest';
import { MIN_SPLIT_WIDTH, monitorPlacement, type PlacementContext } from './monitor-placement.js';

describe('monitorPlacement', () => {
  it('puts a monitor beside the last one shown, as a tab', () => {
    expect(monitorPlacement({ monitor: 'm1', ref: 'nb', refWidth: 5000 })).toEqual({
      mode: 'tab-after',
      ref: 'm1',
    });
  });

  it('splits the notebook only when both halves stay wide enough', () => {
    expect(monitorPlacement({ ref: 'nb', refWidth: MIN_SPLIT_WIDTH })).toEqual({
      mode: 'split-right',
      ref: 'nb',
    });
    expect(monitorPlacement({ ref: 'nb', refWidth: MIN_SPLIT_WIDTH - 1 })).toEqual({
      mode: 'tab-after',
      ref: 'nb',
    });
    // A hidden notebook measures 0: a tab, not a split.
    expect(monitorPlacement({ ref: 'nb' })).toEqual({ mode: 'tab-after', ref: 'nb' });
  });

  it('lets the shell choose when there is nothing to go beside', () => {
    expect(monitorPlacement({})).toEqual({});
    expect(monitorPlacement({ monitor: null, ref: null })).toEqual({});
  });
});

/** Opens `count` monitors from `notebook` the way the shell does, in a real Lumino dock. */
function publishTimes(count: number, notebookWidth: number) {
  const dock = new DockPanel();
  const notebook = new Widget();
  notebook.id = 'notebook';
  dock.addWidget(notebook);
  let last: Widget | null = null;
  for (let i = 0; i < count; i++) {
    const monitor = new Widget();
    monitor.id = `monitor-${i}`;
    const context: PlacementContext = {
      monitor: last?.id,
      ref: notebook.id,
      refWidth: notebookWidth,
    };
    const { mode, ref } = monitorPlacement(context);
    const refWidget = [...dock.widgets()].find((w) => w.id === ref) ?? null;
    dock.addWidget(monitor, { mode, ref: refWidget });
    last = monitor;
  }
  const bars = [...dock.tabBars()].map((bar) => bar.titles.map((t) => t.owner.id));
  dock.dispose();
  return bars;
}

describe('five publishes in a row', () => {
  it('wide notebook: one split, the monitors as tabs in it', () => {
    expect(publishTimes(5, 1600)).toEqual([
      ['notebook'],
      ['monitor-0', 'monitor-1', 'monitor-2', 'monitor-3', 'monitor-4'],
    ]);
  });

  it('narrow notebook: no split, the monitors as tabs beside the notebook', () => {
    expect(publishTimes(5, 800)).toEqual([
      ['notebook', 'monitor-0', 'monitor-1', 'monitor-2', 'monitor-3', 'monitor-4'],
    ]);
  });
});
