/** Test support: batch jobs and stream bindings as the gateway answers them (issue 18's contract). */
import type { Job, Stream } from '../client/jobs-wire.js';
import type { SeenRequest } from './monitoring.js';

/** A job of `iris` over `customers.csv`, running, half done. */
export function job(over: Partial<Job> = {}): Job {
  return {
    id: 'job-1',
    deployment: 'iris',
    version: 1,
    state: 'running',
    input: { kind: 'upload', name: 'customers.csv', format: 'csv' },
    output: { format: 'csv', url: '/api/jobs/job-1/output', errorsUrl: '/api/jobs/job-1/errors' },
    rows: { done: 500, total: 1000, errors: 0 },
    progress: 0.5,
    rowsPerSecond: 250,
    etaSeconds: 2,
    createdAt: '2026-11-22T10:00:00.000Z',
    startedAt: '2026-11-22T10:00:01.000Z',
    finishedAt: null,
    error: null,
    scheduleId: null,
    ...over,
  };
}

/** The same job once it succeeded: 1000 rows, `errors` of them refused. */
export function succeededJob(errors = 0, over: Partial<Job> = {}): Job {
  return job({
    state: 'succeeded',
    rows: { done: 1000, total: 1000, errors },
    progress: 1,
    rowsPerSecond: 400,
    etaSeconds: 0,
    finishedAt: '2026-11-22T10:00:03.500Z',
    ...over,
  });
}

/** A stream binding of `iris`, consuming. */
export function stream(over: Partial<Stream> = {}): Stream {
  return {
    id: 'stream-1',
    deployment: 'iris',
    brokers: ['127.0.0.1:9092'],
    inputTopic: 'customers',
    outputTopic: 'scores',
    deadLetterTopic: 'scores-dlq',
    group: 'slipway-iris',
    format: 'json',
    state: 'running',
    stateReason: null,
    consumed: 120,
    produced: 118,
    deadLettered: 2,
    messagesPerSecond: 12.5,
    lag: 3,
    createdAt: '2026-11-22T09:00:00.000Z',
    ...over,
  };
}

/** What the fake gateway holds; tests change it between requests. */
export interface JobsState {
  jobs: Job[];
  /** Null: the gateway has no stream routes (404). */
  streams: Stream[] | null;
  /** The answers of successive GET /api/jobs/:id, the last one repeated. */
  polls: Job[];
  output: string;
  errors: string;
}

/**
 * A fetch answering issue 18's job and stream routes of `iris` from `state`, recording every
 * request (a form's body as `formParts` shows it).
 */
export function jobsFetch(state: JobsState, seen: SeenRequest[] = []): typeof fetch {
  return async (input, init) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const body =
      init?.body === undefined || init.body === null
        ? null
        : init.body instanceof FormData
          ? JSON.stringify(formParts(init.body))
          : String(init.body);
    seen.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
    });
    const json = (status: number, value: unknown) =>
      new Response(value === undefined ? null : JSON.stringify(value), { status });
    const p = url.pathname;
    const notFound = json(404, {
      error: { code: 'not_found', message: `route ${method} ${p} not found` },
    });
    if (p === '/api/deployments/iris/jobs' && method === 'POST')
      return json(202, state.polls[0] ?? job());
    if (p === '/api/jobs' && method === 'GET') return json(200, { jobs: state.jobs });
    const jobMatch = /^\/api\/jobs\/([^/]+)(\/output|\/errors)?$/.exec(p);
    if (jobMatch) {
      const [, id, file] = jobMatch;
      if (file === '/output')
        return new Response(state.output, { status: 200, headers: { 'Content-Type': 'text/csv' } });
      if (file === '/errors') return new Response(state.errors, { status: 200 });
      if (method === 'DELETE') {
        const cancelled = job({ id, state: 'cancelled', finishedAt: '2026-11-22T10:00:02.000Z' });
        state.polls = [cancelled];
        return json(200, cancelled);
      }
      const next = state.polls.length > 1 ? state.polls.shift()! : state.polls[0];
      return next ? json(200, next) : notFound;
    }
    if (p === '/api/deployments/iris/streams')
      return state.streams ? json(200, { streams: state.streams }) : notFound;
    const streamMatch = /^\/api\/streams\/([^/]+)\/(pause|resume)$/.exec(p);
    if (streamMatch && state.streams) {
      const [, id, verb] = streamMatch;
      state.streams = state.streams.map((s) =>
        s.id === id ? { ...s, state: verb === 'pause' ? 'paused' : 'running' } : s,
      );
      return json(
        200,
        state.streams.find((s) => s.id === id),
      );
    }
    return notFound;
  };
}

/** A multipart form's parts: text as it is, a file as `file:<name>:<size>`. */
export function formParts(form: FormData): Record<string, string> {
  return Object.fromEntries(
    [...form.entries()].map(([k, v]) => [
      k,
      typeof v === 'string' ? v : `file:${v.name}:${v.size}`,
    ]),
  );
}
