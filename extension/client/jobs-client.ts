import type { Job, JobOptions, Stream } from './jobs-wire.js';
import type { GatewayTransport } from './retraining-client.js';

/** What the jobs calls need of the gateway client: its request helpers and downloads. */
export interface JobsTransport extends GatewayTransport {
  download(path: string): Promise<Blob>;
}

/** An input file to score, as it is sent: the bytes, the name that tells its format, options. */
export interface JobUpload {
  file: Blob;
  filename: string;
  options: JobOptions;
}

/** The multipart body of a job's upload: part `file`, and part `options` (JSON) when any. */
export function jobForm(upload: JobUpload): FormData {
  const form = new FormData();
  form.set('file', upload.file, upload.filename);
  if (Object.keys(upload.options).length) form.set('options', JSON.stringify(upload.options));
  return form;
}

/**
 * Batch jobs and stream bindings, typed. Reached as `GatewayClient.jobs`; every failure is one
 * of the errors in `errors.ts`.
 */
export class JobsClient {
  constructor(private readonly gateway: JobsTransport) {}

  /** Starts a job over an uploaded file; `onProgress` gets the fraction sent, 0 to 1. */
  submit(name: string, upload: JobUpload, onProgress?: (fraction: number) => void): Promise<Job> {
    return this.gateway.sendForm(
      'POST',
      `${deploymentPath(name)}/jobs`,
      jobForm(upload),
      onProgress,
    );
  }

  /** The deployment's jobs, newest first (at most 100). */
  async jobs(deployment: string): Promise<Job[]> {
    const q = new URLSearchParams({ deployment });
    return (await this.gateway.request<{ jobs: Job[] }>('GET', `/api/jobs?${q}`)).jobs;
  }

  job(id: string): Promise<Job> {
    return this.gateway.request('GET', jobPath(id));
  }

  /** Cancels a queued or running job; answers it, cancelled. */
  cancel(id: string): Promise<Job> {
    return this.gateway.request('DELETE', jobPath(id));
  }

  /** The output file of a job that succeeded. */
  output(id: string): Promise<Blob> {
    return this.gateway.download(`${jobPath(id)}/output`);
  }

  /** The rows that failed: JSON lines of `{row, error, field}`. */
  errors(id: string): Promise<Blob> {
    return this.gateway.download(`${jobPath(id)}/errors`);
  }

  /** The deployment's Kafka stream bindings. */
  async streams(name: string): Promise<Stream[]> {
    const path = `${deploymentPath(name)}/streams`;
    return (await this.gateway.request<{ streams: Stream[] }>('GET', path)).streams;
  }

  pauseStream(id: string): Promise<Stream> {
    return this.gateway.request('POST', `${streamPath(id)}/pause`);
  }

  resumeStream(id: string): Promise<Stream> {
    return this.gateway.request('POST', `${streamPath(id)}/resume`);
  }
}

function deploymentPath(name: string): string {
  return `/api/deployments/${encodeURIComponent(name)}`;
}

function jobPath(id: string): string {
  return `/api/jobs/${encodeURIComponent(id)}`;
}

function streamPath(id: string): string {
  return `/api/streams/${encodeURIComponent(id)}`;
}
