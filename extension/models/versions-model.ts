import type { TranslationBundle } from '@jupyterlab/translation';
import type {
  CanaryView,
  GateResult,
  RetrainTrigger,
  VersionEvent,
  VersionOrigin,
  VersionState,
  VersionTimeline,
} from '../../gateway/src/protocol/retraining.js';
import type { GatewayClient } from '../client/gateway-client.js';
import { formatFigure } from './figures.js';
import { metricLabel } from './quality-model.js';
import { RemoteView } from './remote-view.js';

/** What can be done to a version, by the state it is in. */
export type VersionAction =
  'promote' | 'canary' | 'shadow' | 'stopShadow' | 'rollback' | 'retire' | 'endCanary';

/** A canary's share when the user does not choose another. */
export const DEFAULT_CANARY_PERCENT = 10;

/**
 * The version timeline of one deployment, and the actions that move a version; each action
 * refreshes the timeline and rejects with the error to show.
 */
export class VersionsModel extends RemoteView<VersionTimeline> {
  constructor(
    readonly name: string,
    private readonly client: GatewayClient,
  ) {
    super();
  }

  /** Runs `action` on `version`; `percent` is the canary's share. */
  async act(action: VersionAction, version: number, percent?: number): Promise<void> {
    const api = this.client.retraining;
    switch (action) {
      case 'promote':
        await api.promote(this.name, version);
        break;
      case 'canary':
        await api.startCanary(this.name, version, percent);
        break;
      case 'shadow':
        await api.setShadow(this.name, version);
        break;
      case 'stopShadow':
        await api.clearShadow(this.name);
        break;
      case 'rollback':
        await this.client.rollback(this.name, version);
        break;
      case 'retire':
        await api.retire(this.name, version);
        break;
      case 'endCanary':
        await api.rollBackCanary(this.name);
        break;
    }
    await this.refresh();
  }

  protected fetch(): Promise<VersionTimeline> {
    return this.client.retraining.versions(this.name);
  }
}

/**
 * The actions a version in `state` offers, the first the likeliest. A second canary cannot
 * start while one runs.
 */
export function versionActions(
  state: VersionState,
  opts: { canaryRunning: boolean },
): VersionAction[] {
  const actions: Record<VersionState, VersionAction[]> = {
    live: [],
    canary: ['promote', 'endCanary'],
    shadow: ['promote', 'canary', 'stopShadow'],
    candidate: ['promote', 'canary', 'shadow', 'retire'],
    previous: ['rollback', 'canary', 'shadow', 'retire'],
    retired: [],
  };
  const offered = actions[state] ?? [];
  return opts.canaryRunning ? offered.filter((a) => a !== 'canary') : offered;
}

/** The canary's share as typed, when it is a whole percent from 1 to 99; null otherwise. */
export function canaryPercentOf(value: number): number | null {
  return Number.isInteger(value) && value >= 1 && value <= 99 ? value : null;
}

/** A version's state for its badge: `live`, `canary 10%`, `candidate`… */
export function stateLabel(
  state: VersionState,
  trafficPercent: number | null,
  trans: TranslationBundle,
): string {
  const words: Record<VersionState, string> = {
    live: trans._p('version state', 'live'),
    canary: trans._p('version state', 'canary'),
    shadow: trans._p('version state', 'shadow'),
    candidate: trans._p('version state', 'candidate'),
    previous: trans._p('version state', 'previous'),
    retired: trans._p('version state', 'retired'),
  };
  // A state a newer gateway added is still shown, as it came.
  const word = words[state] ?? state;
  return trafficPercent === null ? word : trans.__('%1 %2%', word, trafficPercent);
}

/** What started a run, in words. */
export function triggerLabel(trigger: RetrainTrigger, trans: TranslationBundle): string {
  const words: Record<RetrainTrigger, string> = {
    button: trans._p('retrain trigger', 'button'),
    api: trans._p('retrain trigger', 'API'),
    alert: trans._p('retrain trigger', 'alert'),
    schedule: trans._p('retrain trigger', 'schedule'),
  };
  return words[trigger] ?? trigger;
}

/** A run id as shown: its first eight characters (the whole id is in the tooltip). */
export function shortRunId(id: string): string {
  return id.slice(0, 8);
}

/** Where a version came from: `uploaded iris.onnx`, or `retraining run 1a2b3c4d (button)`. */
export function originText(origin: VersionOrigin, trans: TranslationBundle): string {
  if (origin.kind === 'retraining')
    return trans.__(
      'retraining run %1 (%2)',
      shortRunId(origin.runId),
      triggerLabel(origin.trigger, trans),
    );
  return origin.filename ? trans.__('uploaded %1', origin.filename) : trans.__('uploaded');
}

/** The gate in one line: `accuracy: candidate 0.93 vs live 0.91 on 120 labels`. */
export function gateText(gate: GateResult, trans: TranslationBundle): string {
  return trans._n(
    '%2: candidate %3 vs live %4 on %1 held-back label',
    '%2: candidate %3 vs live %4 on %1 held-back labels',
    gate.n,
    metricLabel(gate.metric, trans),
    formatFigure(gate.candidate),
    formatFigure(gate.live),
  );
}

/** The gate's verdict: `passed`, or `not passed: <the gateway's reason>`. */
export function gateVerdict(gate: GateResult, trans: TranslationBundle): string {
  if (gate.passed) return trans._p('gate', 'passed');
  // The reason is the gateway's own words: shown as they came.
  return gate.reason ? trans.__('not passed: %1', gate.reason) : trans._p('gate', 'not passed');
}

/** A recorded change of a version, in words. */
export function eventLabel(kind: VersionEvent['kind'], trans: TranslationBundle): string {
  const words: Record<VersionEvent['kind'], string> = {
    published: trans._p('version event', 'published'),
    candidate: trans._p('version event', 'made by retraining'),
    gate: trans._p('version event', 'gate evaluated'),
    promoted: trans._p('version event', 'promoted'),
    canary_started: trans._p('version event', 'canary started'),
    canary_promoted: trans._p('version event', 'canary promoted'),
    canary_rolled_back: trans._p('version event', 'canary rolled back'),
    rolled_back: trans._p('version event', 'rolled back to'),
    retired: trans._p('version event', 'retired'),
  };
  return words[kind] ?? kind;
}

/** The canary's verdict in words. */
export function canaryVerdictLabel(
  verdict: NonNullable<CanaryView['analysis']>['verdict'],
  trans: TranslationBundle,
): string {
  const words = {
    wait: trans._p('canary verdict', 'keep waiting'),
    promote: trans._p('canary verdict', 'promote'),
    roll_back: trans._p('canary verdict', 'roll back'),
  };
  return words[verdict] ?? verdict;
}
