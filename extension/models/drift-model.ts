import type { TranslationBundle } from '@jupyterlab/translation';
import type {
  DriftHistogram,
  DriftMethod,
  DriftReport,
  FeatureDrift,
} from '../../gateway/src/protocol/monitoring.js';
import { formatFigure, type WindowId } from './figures.js';
import { WindowedView } from './remote-view.js';
import { routedVersions, type RoutedVersion } from './routed-versions.js';

/** The windows the drift tab offers. */
export const DRIFT_WINDOWS: WindowId[] = ['1h', '24h', '7d'];

/** The name the prediction's row goes by (a feature cannot be called this: it has a space). */
export const PREDICTION_ROW = ' prediction';

/**
 * Drift of one deployment's inputs in a window, and the feature whose histograms are shown.
 * While calls are routed to more than one version (a split, a shadow), drift is of one
 * version's inputs: the live one's unless another is chosen.
 */
export class DriftModel extends WindowedView<DriftReport> {
  private _selected: string | null = null;
  private _routed: RoutedVersion[] = [];
  private _chosen: number | null = null;

  /** The versions to choose from: empty while a single version is routed (no choice to make). */
  get versions(): RoutedVersion[] {
    return this._routed.length > 1 ? this._routed : [];
  }

  /**
   * The version whose inputs the report is of: the one chosen while it is still routed, else
   * the live one; null while a single version is routed (every call, as the gateway counts).
   */
  get version(): number | null {
    const routed = this.versions;
    if (routed.length === 0) return null;
    return routed.find((r) => r.version === this._chosen)?.version ?? routed[0]!.version;
  }

  /** Measures drift of `version`'s inputs. */
  setVersion(version: number): Promise<void> {
    this._chosen = version;
    return this.refresh();
  }

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

  protected async fetch(): Promise<DriftReport> {
    // The routing changes with canaries and shadows: the choices are read afresh each time.
    this._routed = routedVersions(await this.client.deployment(this.name));
    return this.client.drift(this.name, { ...this.range(), version: this.version ?? undefined });
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
