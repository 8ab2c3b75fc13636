/**
 * Batch jobs and stream bindings on the wire: the gateway's protocol types, and the options a
 * job is sent with (issue 18's contract; the gateway validates them with its own schema).
 */
import type { Job } from '../../gateway/src/protocol/batch.js';

export type { Job, JobState } from '../../gateway/src/protocol/batch.js';
export type { Stream, StreamState } from '../../gateway/src/protocol/streams.js';

/** Formats a job reads. */
export type JobInputFormat = Job['input']['format'];
/** Formats a job writes. */
export type JobOutputFormat = Job['output']['format'];

/** The options of a job (the `options` part of the upload, or fields of the JSON body). */
export interface JobOptions {
  format?: JobInputFormat;
  output?: { format?: JobOutputFormat };
  /** Input columns copied to the output (e.g. an id column). */
  passThrough?: string[];
  /** Rows per data-plane call; the gateway's default is 1000. */
  chunkSize?: number;
  /** 0..1; the job fails past it. The gateway's default is 0.01. */
  maxErrorRate?: number;
  webhookUrl?: string;
}
