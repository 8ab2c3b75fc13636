import type { TranslationBundle } from '@jupyterlab/translation';
import { GatewayRequestError } from '../client/errors.js';
import type { GatewayClient } from '../client/gateway-client.js';
import type { Job, Stream, StreamState } from '../client/jobs-wire.js';
import { RemoteView } from './remote-view.js';
import { scoreOutputPaths } from './score-files.js';

/** The Jobs tab's data; a list is null when the gateway has no such routes (an older one). */
export interface JobsView {
  jobs: Job[] | null;
  streams: Stream[] | null;
}

/**
 * Null for a route this gateway does not have (one older than batch jobs and streams): shown
 * as "not available", not as an error. The deployment exists (its monitor is open), so a 404
 * here is the route's.
 */
async function unlessMissing<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (err) {
    if (err instanceof GatewayRequestError && err.status === 404) return null;
    throw err;
  }
}

/**
 * The batch jobs and Kafka stream bindings of one deployment; each action (cancel, pause,
 * resume) refreshes them and rejects with the error to show.
 */
export class JobsModel extends RemoteView<JobsView> {
  constructor(
    readonly name: string,
    private readonly client: GatewayClient,
  ) {
    super();
  }

  async cancel(id: string): Promise<void> {
    await this.client.jobs.cancel(id);
    await this.refresh();
  }

  async pause(id: string): Promise<void> {
    await this.client.jobs.pauseStream(id);
    await this.refresh();
  }

  async resume(id: string): Promise<void> {
    await this.client.jobs.resumeStream(id);
    await this.refresh();
  }

  /** A job's file, through the gateway (it needs the token), and the name to save it as. */
  async download(job: Job, which: 'output' | 'errors'): Promise<{ file: Blob; filename: string }> {
    const file =
      which === 'output'
        ? await this.client.jobs.output(job.id)
        : await this.client.jobs.errors(job.id);
    return { file, filename: jobDownloadName(job, which) };
  }

  protected async fetch(): Promise<JobsView> {
    const [jobs, streams] = await Promise.all([
      unlessMissing(this.client.jobs.jobs(this.name)),
      unlessMissing(this.client.jobs.streams(this.name)),
    ]);
    return { jobs, streams };
  }
}

/** The name a job's downloaded file gets: its input's, as Score with… names it. */
export function jobDownloadName(job: Job, which: 'output' | 'errors'): string {
  const paths = scoreOutputPaths(job.input.name || job.id, job.output.format, new Set());
  return which === 'output' ? paths.output : paths.errors;
}

/** The actions a job offers: its files once there, cancel while it is not finished. */
export function jobActions(job: Job): ('output' | 'errors' | 'cancel')[] {
  const actions: ('output' | 'errors' | 'cancel')[] = [];
  if (job.state === 'succeeded') actions.push('output');
  if (job.rows.errors > 0 && job.state !== 'queued') actions.push('errors');
  if (job.state === 'queued' || job.state === 'running') actions.push('cancel');
  return actions;
}

/** A stream's state in the user's words (a state a newer gateway added: as it came). */
export function streamStateLabel(state: StreamState, trans: TranslationBundle): string {
  const words: Record<StreamState, string> = {
    running: trans._p('stream state', 'running'),
    paused: trans._p('stream state', 'paused'),
    connecting: trans._p('stream state', 'connecting'),
    retrying: trans._p('stream state', 'retrying'),
    failed: trans._p('stream state', 'failed'),
  };
  return words[state] ?? state;
}

/** Pause while it consumes (or tries to); resume once paused or failed. */
export function streamAction(state: StreamState): 'pause' | 'resume' {
  return state === 'paused' || state === 'failed' ? 'resume' : 'pause';
}

/** A count or rate that may be unknown: `–` then. */
export function formatFigure(value: number | null, trans: TranslationBundle): string {
  if (value === null || !Number.isFinite(value)) return '–';
  return Number.isInteger(value) ? String(value) : trans.__('%1', value.toFixed(1));
}
