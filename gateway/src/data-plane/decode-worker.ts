// The request decoder thread (see decode-records.ts): parses, decodes and validates large bodies.
import { serveJobs } from '../workers/thread-jobs.js';
import { decodeRecords } from './decode-records.js';

serveJobs(decodeRecords);
