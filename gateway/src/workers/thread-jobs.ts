import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, Worker, type Transferable } from 'node:worker_threads';

/** A job sent to a thread, and the answer of the same `id`. */
interface JobMessage<J> {
  id: number;
  job: J;
}
interface AnswerMessage<A> {
  id: number;
  answer: A;
}

/**
 * Starts a worker thread on the module `entry` names (`./x.js` beside the caller): the built
 * `.js`, or, when the gateway runs from its TypeScript sources (tests, `npm run dev`), the
 * `.ts` through tsx, which those runs have.
 */
export function startThread(entry: URL): Worker {
  if (!entry.pathname.endsWith('.js')) throw new Error(`thread entry must be a .js URL: ${entry}`);
  const source = new URL(entry.href.replace(/\.js$/, '.ts'));
  if (!import.meta.url.endsWith('.ts')) return new Worker(entry, { resourceLimits: LIMITS });
  const code = `import(${JSON.stringify(tsxApi())}).then((tsx) => tsx.tsImport(${JSON.stringify(source.href)}, ${JSON.stringify(import.meta.url)}));`;
  return new Worker(code, { eval: true, resourceLimits: LIMITS });
}

/**
 * A thread's young generation, at most (below V8's default). A batch job's threads pass chunks
 * of up to 10,000 rows, which outlive a scavenge or two: with the default each thread's young
 * generation grew to its largest, and a GBM job's gateway held about 35 MB more than with
 * chunks of 1,000 rows; with this, no more than it held with those (bench/RESULTS.md).
 */
const LIMITS = { maxYoungGenerationSizeMb: 24 };

let tsxApiUrl: string | undefined;

/** The URL of tsx's ESM API (`tsx/esm/api`, import condition). */
function tsxApi(): string {
  if (tsxApiUrl) return tsxApiUrl;
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as TsxManifest).exports;
  tsxApiUrl = pathToFileURL(join(dirname(manifest), exports['./esm/api'].import.default)).href;
  return tsxApiUrl;
}

interface TsxManifest {
  exports: Record<'./esm/api', { import: { default: string } }>;
}

/**
 * One worker thread of this process for a kind of job, started on first need and shared by
 * every caller (jobs run in turn). It holds the process open only while it has work; if it
 * dies (a job that exhausts its memory), the jobs waiting on it fail with what `failure` makes
 * of it, and the next job starts a new thread.
 */
export class ThreadJobs<J, A> {
  private worker: Worker | undefined;
  private readonly pending = new Map<
    number,
    { resolve: (a: A) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;

  constructor(
    private readonly entry: URL,
    private readonly failure: (reason: string, cause?: unknown) => Error,
  ) {}

  run(job: J, transfer: Transferable[] = []): Promise<A> {
    const worker = (this.worker ??= this.start());
    return new Promise<A>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, job } satisfies JobMessage<J>, transfer);
    });
  }

  /**
   * Ends the thread now (a job past its time: a thread cannot be interrupted otherwise); the
   * jobs on it fail, and the next job starts a new thread.
   */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    await worker.terminate();
  }

  private start(): Worker {
    const worker = startThread(this.entry);
    worker.unref();
    worker.on('message', ({ id, answer }: AnswerMessage<A>) => {
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      if (this.pending.size === 0) worker.unref();
      p.resolve(answer);
    });
    worker.on('error', (err) => this.fail(worker, this.failure(err.message, err)));
    worker.on('exit', (code) =>
      this.fail(worker, this.failure(`the thread stopped (exit code ${code}) without an answer`)),
    );
    return worker;
  }

  private fail(worker: Worker, err: Error): void {
    if (this.worker === worker) this.worker = undefined;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/** In a thread started by {@link ThreadJobs}: answers each job with `handle`. */
export function serveJobs<J, A>(
  handle: (job: J) => A,
  transfer: (answer: A) => Transferable[] = () => [],
): void {
  parentPort!.on('message', ({ id, job }: JobMessage<J>) => {
    const answer = handle(job);
    parentPort!.postMessage({ id, answer } satisfies AnswerMessage<A>, transfer(answer));
  });
}
