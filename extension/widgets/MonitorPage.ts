import type { TranslationBundle } from '@jupyterlab/translation';
import type { ISignal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import type { MonitorTab } from '../models/monitor-tabs.js';
import { el } from './dom.js';

/** What a tab draws: one deployment's figures, fetched again on demand, or the last error. */
export interface PageModel {
  readonly name: string;
  /** The readable error of the last refresh, null when it worked. */
  readonly error: string | null;
  readonly changed: ISignal<unknown, void>;
  refresh(): Promise<void>;
}

/**
 * A tab of the monitoring panel, drawn again whenever its model changes. The error of the
 * last refresh is shown above the figures, which stay as the last refresh that worked left them.
 */
export abstract class MonitorPage<M extends PageModel> extends Widget {
  /** Where the last refresh's error is shown; each tab places it. */
  protected readonly error = el('p', {
    class: 'jp-SlipwayMonitor-error',
    role: 'alert',
    hidden: true,
  });
  private readonly parts: { dispose(): void }[] = [];

  /** @param label - The tab's title, in the user's words. */
  constructor(
    readonly model: M,
    protected readonly trans: TranslationBundle,
    tab: MonitorTab,
    label: string,
  ) {
    super();
    this.addClass('jp-SlipwayMonitor-tab');
    this.id = `slipway-monitor-${model.name}-${tab}`;
    this.title.label = label;
    model.changed.connect(this.render, this);
  }

  /** Fetches the figures again; the tab draws them when the model changes. */
  refresh(): Promise<void> {
    return this.model.refresh();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    for (const part of this.parts) part.dispose();
    this.model.changed.disconnect(this.render, this);
    super.dispose();
  }

  /** Disposes `part` (a chart) with the tab. */
  protected own<T extends { dispose(): void }>(part: T): T {
    this.parts.push(part);
    return part;
  }

  protected abstract render(): void;

  /** Shows the model's error; `hide` for one the tab explains in its own words. */
  protected renderError(hide = false): void {
    this.error.hidden = !this.model.error || hide;
    this.error.textContent = this.model.error ?? '';
  }

  /** What a tab says before its first figures come: nothing when an error is shown instead. */
  protected loadingText(): string {
    return this.model.error ? '' : this.trans.__('Loading…');
  }
}
