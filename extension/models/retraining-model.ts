import type { TranslationBundle } from '@jupyterlab/translation';
import type {
  RetrainDecision,
  RetrainRun,
  RetrainStatus,
  TrainerInfo,
} from '../../gateway/src/protocol/retraining.js';
import type { GatewayClient } from '../client/gateway-client.js';
import { RemoteView } from './remote-view.js';

/** The retraining tab's data: the runs, newest first, and the training notebook if any. */
export interface RetrainingView {
  runs: RetrainRun[];
  trainer: TrainerInfo | null;
}

/** Where executed training notebooks are saved on the Jupyter server, to be opened. */
export const RUNS_FOLDER = 'slipway-runs';

/**
 * The retraining runs of one deployment and its trainer; starting and cancelling a run
 * refresh them and reject with the error to show.
 */
export class RetrainingModel extends RemoteView<RetrainingView> {
  constructor(
    readonly name: string,
    private readonly client: GatewayClient,
  ) {
    super();
  }

  /** Starts a run now, as Retrain now does; rejects (code `already_running`) when one runs. */
  async retrain(): Promise<RetrainRun> {
    const run = await this.client.retraining.retrain(this.name, {}, { byButton: true });
    await this.refresh();
    return run;
  }

  async cancel(id: string): Promise<void> {
    await this.client.retraining.cancelRun(this.name, id);
    await this.refresh();
  }

  /** The executed training notebook of run `id`. */
  notebook(id: string): Promise<Record<string, unknown>> {
    return this.client.retraining.runNotebook(this.name, id);
  }

  protected async fetch(): Promise<RetrainingView> {
    const [runs, trainer] = await Promise.all([
      this.client.retraining.runs(this.name),
      this.client.retraining.trainer(this.name),
    ]);
    return { runs, trainer };
  }
}

/** Where run `run`'s executed notebook is saved: `slipway-runs/<deployment>-<run id>.ipynb`. */
export function runNotebookPath(run: Pick<RetrainRun, 'deployment' | 'id'>): string {
  // Deployment names are URL slugs and run ids UUIDs; anything else is kept out of the path.
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${RUNS_FOLDER}/${safe(run.deployment)}-${safe(run.id)}.ipynb`;
}

/** A run's state for its badge. */
export function runStatusLabel(status: RetrainStatus, trans: TranslationBundle): string {
  const words: Record<RetrainStatus, string> = {
    running: trans._p('run status', 'running'),
    succeeded: trans._p('run status', 'succeeded'),
    failed: trans._p('run status', 'failed'),
    cancelled: trans._p('run status', 'cancelled'),
    skipped: trans._p('run status', 'skipped'),
  };
  return words[status] ?? status;
}

/** What became of a run's candidate. */
export function decisionLabel(decision: RetrainDecision | null, trans: TranslationBundle): string {
  if (decision === null) return '–';
  const words: Record<RetrainDecision, string> = {
    promoted: trans._p('run decision', 'promoted'),
    canary: trans._p('run decision', 'canary started'),
    awaiting_promotion: trans._p('run decision', 'awaiting promotion'),
    not_promoted: trans._p('run decision', 'not promoted'),
  };
  return words[decision] ?? decision;
}

/** A run's duration: `42 s`, `3 min 5 s`, `1 h 2 min`; `–` while unknown. */
export function formatDuration(ms: number | null, trans: TranslationBundle): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return trans.__('%1 s', s);
  const min = Math.floor(s / 60);
  if (min < 60) return trans.__('%1 min %2 s', min, s % 60);
  return trans.__('%1 h %2 min', Math.floor(min / 60), min % 60);
}

/** Why a run made no candidate, or why its candidate did not pass: the gateway's words. */
export function runMessage(run: RetrainRun): string {
  return run.error?.message ?? (run.gate && !run.gate.passed ? (run.gate.reason ?? '') : '');
}
