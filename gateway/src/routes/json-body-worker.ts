// The JSON body thread (see read-json-body.ts): parses large request bodies off the event loop.
import { serveJobs } from '../workers/thread-jobs.js';
import { parseJsonBody } from '../codecs/json-text.js';

serveJobs(parseJsonBody);
