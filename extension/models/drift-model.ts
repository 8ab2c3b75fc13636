import type { TranslationBundle } from '@jupyterlab/translation';
import type {
  DriftHistogram,
  DriftMethod,
  DriftReport,
  FeatureDrift,
} from '../../gateway/src/protocol/monitoring.js';
import { formatFigure, type WindowId } from './figures.js';
import { WindowedView } from './remote-view.js';

/** The windows the drift tab offers. */
export const DRIFT_WINDOWS: WindowId[] = ['1h', '24h', '7d'];

/** The name the prediction's row goes by (a feature cannot be called this: it has a space). */
export const PREDICTION_ROW = ' prediction';

/** Drift of one deployment's inputs in a window, and the feature whose histograms are shown. */
export class DriftModel extends WindowedView<DriftReport> {
  private _selected: string | null = null;

  /** The row whose histograms are shown: the one clicked, while the report still has it. */
  get selected(): FeatureDrift | null {
    const report = this.value;
    if (!report || this._selected === null) return null;
    return driftRows(report).find((r) => rowKey(r, report) === this._selected) ?? null;
  }

  /** Shows a row's histograms; `null` hides them. */
  select(key: string | null): void {
    this._selected = key;
    this.emitChanged();
  }

  protected fetch(): Promise<DriftReport> {
    return this.client.drift(this.name, this.range());
  }
}

/** The table's rows: the features, then the prediction when it is compared. */
export function driftRows(report: DriftReport): FeatureDrift[] {
  return report.prediction ? [...report.features, report.prediction] : report.features;
}

/** How a row is selected: its feature name, or `PREDICTION_ROW`. */
export function rowKey(row: FeatureDrift, report: DriftReport): string {
  return row === report.prediction ? PREDICTION_ROW : row.name;
}

/** A method's name as Evidently's documentation writes it. */
export function methodLabel(method: DriftMethod, trans: TranslationBundle): string {
  const labels: Record<DriftMethod, string> = {
    ks: trans._p('drift method', 'Kolmogorov–Smirnov'),
    chisquare: trans._p('drift method', 'chi-square'),
    z: trans._p('drift method', 'Z-test'),
    wasserstein: trans._p('drift method', 'Wasserstein (normed)'),
    jensenshannon: trans._p('drift method', 'Jensen–Shannon'),
    psi: trans._p('drift method', 'PSI'),
  };
  return labels[method] ?? method;
}

/** The chart's data: a label per bin or category, the two distributions' shares. */
export interface HistogramSeries {
  labels: string[];
  reference: number[];
  current: number[];
}

export function histogramSeries(h: DriftHistogram): HistogramSeries {
  let labels: string[];
  if (h.categories) labels = h.categories.map(String);
  else if (h.edges && h.edges.length === h.reference.length + 1)
    labels = h.reference.map((_, i) => {
      const last = i === h.reference.length - 1;
      // Numpy's bins: half-open, the last one closed.
      return `[${formatFigure(h.edges![i])}, ${formatFigure(h.edges![i + 1])}${last ? ']' : ')'}`;
    });
  else labels = h.reference.map((_, i) => String(i + 1));
  return { labels, reference: h.reference, current: h.current };
}
