import type { ShadowView } from '../../gateway/src/protocol/index.js';
import type {
  CanaryView,
  RetrainRequest,
  RetrainRun,
  TrainerInfo,
  VersionTimeline,
} from '../../gateway/src/protocol/retraining.js';
import { GatewayRequestError } from './errors.js';

/** A training notebook to upload, with the original training file when there is one. */
export interface TrainerUpload {
  notebook: Blob;
  filename: string;
  trainingFile?: { file: Blob; filename: string };
}

/** What the retraining calls need of the gateway client: its request helpers. */
export interface GatewayTransport {
  request<T>(
    method: string,
    path: string,
    opts?: { json?: unknown; headers?: Record<string, string> },
  ): Promise<T>;
  sendForm<T>(
    method: 'POST' | 'PUT',
    path: string,
    form: FormData,
    onProgress?: (fraction: number) => void,
  ): Promise<T>;
}

/**
 * The retraining loop's API, typed: the version timeline and what moves a version (promote,
 * canary, shadow, retire), retraining runs, and the training notebook. Reached as
 * `GatewayClient.retraining`; every failure is one of the errors in `errors.ts`.
 */
export class RetrainingClient {
  constructor(private readonly gateway: GatewayTransport) {}

  versions(name: string): Promise<VersionTimeline> {
    return this.gateway.request('GET', `${deploymentPath(name)}/versions`);
  }

  /** Makes `version` live (a candidate, a shadow, or the running canary). */
  promote(name: string, version: number): Promise<VersionTimeline> {
    return this.gateway.request('POST', `${versionPath(name, version)}/promote`);
  }

  retire(name: string, version: number): Promise<VersionTimeline> {
    return this.gateway.request('POST', `${versionPath(name, version)}/retire`);
  }

  /** Sends `percent` of the calls to `version` (the policy's share when absent). */
  startCanary(name: string, version: number, percent?: number): Promise<CanaryView> {
    return this.gateway.request('POST', `${versionPath(name, version)}/canary`, {
      json: percent === undefined ? {} : { percent },
    });
  }

  /** Ends the running canary: every call goes to the live version again. */
  rollBackCanary(name: string): Promise<CanaryView> {
    return this.gateway.request('DELETE', `${deploymentPath(name)}/canary`);
  }

  setShadow(name: string, version: number): Promise<ShadowView> {
    return this.gateway.request('PUT', `${deploymentPath(name)}/shadow`, { json: { version } });
  }

  clearShadow(name: string): Promise<ShadowView> {
    return this.gateway.request('DELETE', `${deploymentPath(name)}/shadow`);
  }

  /**
   * Starts a retraining run; a 409 (one already runs) rejects with code `already_running`.
   * `byButton`: a person pressed Retrain now, and the run says so (its trigger is `button`).
   */
  retrain(
    name: string,
    request: RetrainRequest = {},
    opts: { byButton?: boolean } = {},
  ): Promise<RetrainRun> {
    return this.gateway.request('POST', `${deploymentPath(name)}/retrain`, {
      json: request,
      headers: opts.byButton ? { 'X-Slipway-Trigger': 'button' } : undefined,
    });
  }

  /** The deployment's retraining runs, newest first. */
  async runs(name: string): Promise<RetrainRun[]> {
    const path = `${deploymentPath(name)}/retrain-runs`;
    return (await this.gateway.request<{ runs: RetrainRun[] }>('GET', path)).runs;
  }

  run(name: string, id: string): Promise<RetrainRun> {
    return this.gateway.request('GET', runPath(name, id));
  }

  cancelRun(name: string, id: string): Promise<RetrainRun> {
    return this.gateway.request('POST', `${runPath(name, id)}/cancel`);
  }

  /** The run's executed training notebook, as nbformat JSON. */
  runNotebook(name: string, id: string): Promise<Record<string, unknown>> {
    return this.gateway.request('GET', `${runPath(name, id)}/notebook`);
  }

  /** The deployment's training notebook; null when it has none. */
  async trainer(name: string): Promise<TrainerInfo | null> {
    try {
      return await this.gateway.request<TrainerInfo>('GET', `${deploymentPath(name)}/trainer`);
    } catch (err) {
      if (err instanceof GatewayRequestError && err.status === 404) return null;
      throw err;
    }
  }

  /** Makes a notebook the deployment's trainer; `onProgress` gets the fraction sent, 0 to 1. */
  setTrainer(
    name: string,
    upload: TrainerUpload,
    onProgress?: (fraction: number) => void,
  ): Promise<TrainerInfo> {
    const form = new FormData();
    form.set('file', upload.notebook, upload.filename);
    if (upload.trainingFile)
      form.set('training_file', upload.trainingFile.file, upload.trainingFile.filename);
    return this.gateway.sendForm('PUT', `${deploymentPath(name)}/trainer`, form, onProgress);
  }
}

function deploymentPath(name: string): string {
  return `/api/deployments/${encodeURIComponent(name)}`;
}

function versionPath(name: string, version: number): string {
  return `${deploymentPath(name)}/versions/${version}`;
}

function runPath(name: string, id: string): string {
  return `${deploymentPath(name)}/retrain-runs/${encodeURIComponent(id)}`;
}
