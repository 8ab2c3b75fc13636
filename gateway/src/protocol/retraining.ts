// Wire types of the retraining loop: training notebooks, retraining runs, candidate versions,
// their gate, canaries and promotion. The extension reads these as they are.
import type { Format } from './deployments.js';
import type { QualityMetricName } from './monitoring.js';

/** What started a retraining run. */
export const RETRAIN_TRIGGERS = ['button', 'api', 'alert', 'schedule'] as const;
export type RetrainTrigger = (typeof RETRAIN_TRIGGERS)[number];

/** How a candidate that passed its gate becomes live. */
export const PROMOTION_POLICIES = ['manual', 'auto', 'canary'] as const;
export type PromotionPolicy = (typeof PROMOTION_POLICIES)[number];

/** Canary analysis: when to decide, and what the canary may not do worse than live. */
export interface CanaryPolicy {
  /** Share of the calls the canary answers, whole percent, 1 to 99. */
  percent: number;
  /** Calls the canary must have answered before a decision. */
  minCalls: number;
  /** Labelled predictions of the canary needed before a decision; 0: quality is not a criterion. */
  minLabels: number;
  /** Rolled back when its error rate exceeds live's by more than this (absolute, 0 to 1). */
  maxErrorRateIncrease: number;
  /** Rolled back when its p95 latency exceeds live's times this. */
  maxLatencyRatio: number;
  /** Rolled back when its primary metric is worse than live's by more than this. */
  maxQualityDrop: number;
}

/**
 * A deployment's retraining settings (`PUT /api/deployments/:name/retraining`). Every field
 * has a default; a PUT replaces the whole policy with the fields it names over the defaults.
 */
export interface RetrainingPolicy {
  promotion: PromotionPolicy;
  /** The figure the gate and the canary compare; default accuracy (classifiers), rmse (regressors). */
  metric: QualityMetricName | null;
  /** A candidate passes its gate when it beats live by more than this on the held-back labels. */
  margin: number;
  /** Labelled predictions of this many hours, ending now, are the training data by default. */
  windowHours: number;
  /** The most recent share of the window (by time) is held back from training for the gate. */
  holdoutFraction: number;
  /** The training notebook's time limit. */
  timeoutSeconds: number;
  /** A candidate whose inputs or outputs differ from live's is refused unless this is true. */
  allowSignatureChange: boolean;
  canary: CanaryPolicy;
  /** Retrain on a schedule: a cron expression (5 fields, or 6 with seconds) in a time zone. */
  schedule: { cron: string; timeZone: string } | null;
  /** More parameters for the training notebook, passed as they are. */
  parameters: Record<string, unknown>;
}

/** `GET /api/deployments/:name/trainer`: the deployment's training notebook. */
export interface TrainerInfo {
  deployment: string;
  filename: string | null;
  artifactSha256: string;
  /** The names in its parameters cell. */
  parameters: string[];
  /** The original training file, passed as `original_training_data_path`; null: none. */
  trainingFile: { filename: string | null; size: number } | null;
  createdAt: string;
}

/** The parameters Slipway passes to every training notebook (as absolute paths). */
export const TRAINER_PARAMETERS = {
  trainingData: 'training_data_path',
  originalTrainingData: 'original_training_data_path',
  liveModel: 'live_model_path',
  outputModel: 'output_model_path',
  targetColumn: 'target_column',
} as const;

/** The gate: candidate and live scored on labelled data the training notebook did not see. */
export interface GateResult {
  metric: QualityMetricName;
  lowerIsBetter: boolean;
  liveVersion: number;
  live: number | null;
  candidate: number | null;
  /** How much better the candidate is (positive: better), in the metric's units. */
  improvement: number | null;
  margin: number;
  /** Held-back labelled rows both were scored on. */
  n: number;
  passed: boolean;
  /** Why it did not pass (no held-back labels, worse than live, …). */
  reason: string | null;
  evaluatedAt: string;
}

export type RetrainStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped';

/** Why a retraining run did not make a candidate. */
export const RETRAIN_ERROR_CODES = [
  'no_trainer',
  'no_training_data',
  'trainer_failed',
  'trainer_timeout',
  'no_model_written',
  'unloadable_model',
  'signature_changed',
  'already_running',
  'cancelled',
  'gateway_restarted',
] as const;
export type RetrainErrorCode = (typeof RETRAIN_ERROR_CODES)[number];

/** What happened to a run's candidate. */
export type RetrainDecision = 'promoted' | 'canary' | 'awaiting_promotion' | 'not_promoted';

/** One retraining run (`GET /api/deployments/:name/retrain-runs/:id`). */
export interface RetrainRun {
  id: string;
  deployment: string;
  trigger: RetrainTrigger;
  /** The alert rule, the cron expression, …: what the trigger was. */
  triggerDetail: string | null;
  status: RetrainStatus;
  window: { from: string; to: string };
  /** Labelled rows the notebook trained on, and rows held back for the gate. */
  trainingRows: number | null;
  holdoutRows: number | null;
  parameters: Record<string, unknown>;
  liveVersion: number;
  candidateVersion: number | null;
  gate: GateResult | null;
  decision: RetrainDecision | null;
  error: { code: RetrainErrorCode; message: string } | null;
  /** What the run did, step by step. */
  log: { at: string; message: string }[];
  createdAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  /** `GET` it for the executed training notebook (once the notebook ran). */
  notebookUrl: string | null;
}

/** `POST /api/deployments/:name/retrain`. */
export interface RetrainRequest {
  /** The window of labelled predictions: the last N hours, or from/to (ISO times). */
  windowHours?: number;
  from?: string;
  to?: string;
  parameters?: Record<string, unknown>;
}

/** Where a version stands. */
export type VersionState = 'live' | 'canary' | 'shadow' | 'candidate' | 'previous' | 'retired';

/** Where a version came from. */
export type VersionOrigin =
  | { kind: 'upload'; filename: string | null }
  | { kind: 'retraining'; runId: string; trigger: RetrainTrigger };

/** A recorded change of a version, with its figures. */
export interface VersionEvent {
  version: number;
  kind:
    | 'published'
    | 'candidate'
    | 'gate'
    | 'promoted'
    | 'canary_started'
    | 'canary_promoted'
    | 'canary_rolled_back'
    | 'rolled_back'
    | 'retired';
  at: string;
  /** Who or what decided (`manual`, `auto`, `canary`), and the figures it decided on. */
  detail: Record<string, unknown>;
}

/** `GET /api/deployments/:name/versions`: each version, newest first. */
export interface VersionTimelineEntry {
  version: number;
  format: Format;
  state: VersionState;
  /** Share of the calls it answers, when a split is set. */
  trafficPercent: number | null;
  origin: VersionOrigin;
  gate: GateResult | null;
  createdAt: string;
  events: VersionEvent[];
}

/** Figures of one side of a canary comparison. */
export interface CanarySide {
  version: number;
  calls: number;
  errorRate: number;
  p95Ms: number | null;
  labels: number;
  quality: number | null;
}

/** `GET /api/deployments/:name/canary`. */
export interface CanaryView {
  version: number;
  liveVersion: number;
  percent: number;
  startedAt: string;
  policy: CanaryPolicy;
  metric: QualityMetricName;
  status: 'running' | 'promoted' | 'rolled_back';
  /** The last analysis: both sides' figures and what it concluded. */
  analysis: {
    at: string;
    live: CanarySide;
    canary: CanarySide;
    verdict: 'wait' | 'promote' | 'roll_back';
    reasons: string[];
  } | null;
}

/** `GET /api/deployments/:name/versions`: the versions, newest first, and the last canary. */
export interface VersionTimeline {
  name: string;
  versions: VersionTimelineEntry[];
  /** The running canary, or the last one with how it ended; null: none yet. */
  canary: CanaryView | null;
}
