// Slipway's side of the batch benchmark: a real built gateway process (PGlite, the invocation
// log on, as it ships) scoring a CSV by path through POST /api/deployments/:name/jobs, timed
// from the job's creation to `succeeded`, with the memory of the gateway and its workers.
import { execFileSync } from 'node:child_process';
import { readdir, readFile, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { BENCH_TOKEN, startGatewayProcess } from '../report.mjs';
import { treeCpuMs } from '../process-cpu.mjs';

const gatewayDir = fileURLToPath(new URL('../../', import.meta.url));
const admin = { authorization: `Bearer ${BENCH_TOKEN}` };
const SAMPLE_MS = 200;

/** Resident memory (MB) of `pid` now and at its peak (VmRSS, VmHWM); undefined once it is gone. */
async function memoryOf(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  if (!status) return undefined;
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** The ids of `pid`'s descendants (its worker processes). */
async function descendants(pid) {
  const parents = new Map();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (stat)
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [child, parent] of parents)
      if (!tree.has(child) && tree.has(parent)) grew = tree.add(child) && true;
  }
  tree.delete(pid);
  return [...tree];
}

/** Whether `pid` is the embedded database's process (the gateway's child that runs PGlite). */
async function isDatabase(pid) {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes('embedded-database-process');
}

/**
 * Samples the gateway's, its embedded database's and its workers' resident memory every
 * SAMPLE_MS until stopped: the gateway's before the job and at its highest during it, the
 * kernel's peak over the gateway's whole life (VmHWM: start-up included), the database
 * process's and the workers' highest, and the whole tree's.
 */
function memorySampler(pid) {
  let running = true;
  const peak = { before: 0, during: 0, lifetime: 0, database: 0, workers: 0, tree: 0 };
  const split = async () => {
    const all = await descendants(pid);
    const flags = await Promise.all(all.map(isDatabase));
    return { database: all.filter((_, i) => flags[i]), workers: all.filter((_, i) => !flags[i]) };
  };
  const loop = (async () => {
    let { database, workers } = await split();
    for (let tick = 0; running; tick++) {
      if (tick % 10 === 9) ({ database, workers } = await split());
      const own = await memoryOf(pid);
      if (!own) break;
      let db = 0;
      for (const d of database) db += (await memoryOf(d))?.rss ?? 0;
      peak.database = Math.max(peak.database, db);
      let theirs = 0;
      for (const w of workers) theirs += (await memoryOf(w))?.rss ?? 0;
      if (tick === 0) peak.before = own.rss;
      peak.during = Math.max(peak.during, own.rss);
      peak.lifetime = Math.max(peak.lifetime, own.hwm);
      peak.workers = Math.max(peak.workers, theirs);
      peak.tree = Math.max(peak.tree, own.rss + db + theirs);
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const own = await memoryOf(pid);
      if (own) peak.lifetime = Math.max(peak.lifetime, own.hwm);
      return peak;
    },
  };
}

async function call(base, path, init = {}) {
  const res = await fetch(`${base}${path}`, { ...init, headers: { ...admin, ...init.headers } });
  if (!res.ok)
    throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

/** The first `n` data rows of the job's output (the rest of the download is dropped). */
async function outputHead(base, id, n) {
  const res = await call(base, `/api/jobs/${id}/output`);
  let text = '';
  for await (const part of res.body.pipeThrough(new TextDecoderStream())) {
    text += part;
    if (text.split('\n').length > n + 2) break;
  }
  await res.body.cancel().catch(() => {});
  const lines = text.split('\n').slice(0, n + 1);
  return parse(lines.join('\n'), { columns: true });
}

/**
 * The rows of each of the job's calls (its chunks), in order: the output's rows counted by the
 * call part of their prediction ids (`<call>:<index>`, the last column). Not timed.
 */
async function chunkRows(base, id) {
  const res = await call(base, `/api/jobs/${id}/output`);
  const rows = [];
  let last;
  let rest = '';
  for await (const part of res.body.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + part).split('\n');
    rest = lines.pop();
    for (const line of lines) {
      const call = line.slice(line.lastIndexOf(',') + 1, line.lastIndexOf(':'));
      if (!/^[0-9a-f-]{36}$/.test(call)) continue;
      if (call !== last) rows.push(0);
      last = call;
      rows[rows.length - 1]++;
    }
  }
  return rows;
}

/**
 * Runs one job scoring `input` on the gateway at `base` (`pid`) with `id` passed through, and
 * answers its rows/s (creation to `succeeded`), the memory peaks, the CPU seconds of the
 * gateway tree, and the job's id.
 */
async function timeJob(base, pid, input, chunkSize) {
  const cpu0 = await treeCpuMs(pid);
  const memory = memorySampler(pid);
  const start = performance.now();
  const created = await call(base, '/api/deployments/bench/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input: { path: basename(input) }, passThrough: ['id'], chunkSize }),
  });
  const { id } = await created.json();
  let job;
  for (;;) {
    job = await (await call(base, `/api/jobs/${id}`)).json();
    if (!['queued', 'running'].includes(job.state)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (performance.now() - start) / 1000;
  const peak = await memory.stop();
  const cpuSeconds = ((await treeCpuMs(pid)) - cpu0) / 1000;
  if (job.state !== 'succeeded')
    throw new Error(`the job ended ${job.state}: ${JSON.stringify(job.error)}`);
  return { id, rows: job.rows.done, errors: job.rows.errors, seconds, cpuSeconds, peak };
}

/**
 * Starts a gateway with `input`'s folder as its input root, deploys `model`, and scores `input`
 * as one job with `id` passed through (in chunks of `chunkSize` rows, or, without it, of the
 * sizes the job picks). Answers the job's rows/s (creation to `succeeded`), its
 * state, the memory peaks, CPU seconds of the gateway tree, the output's first rows and the rows
 * of each of its chunks. With
 * `next`, the same gateway then scores the same file again as its next job, timed the same way
 * (`next`): a gateway that has worked before, as one that runs nightly jobs is.
 */
export async function timeSlipway(
  model,
  input,
  { python, chunkSize, sampleRows = 20, env = {}, nodeArgs = [], next = false },
) {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-bench-batch-'));
  const { child, base } = await startGatewayProcess({
    cwd: gatewayDir,
    args: [...nodeArgs, 'dist/index.js'],
    dataDir,
    python,
    portBase: 19500,
    env: { SLIPWAY_BATCH_INPUT_ROOT: dirname(input), ...env },
  });
  const exited = new Promise((r) => child.on('exit', r));
  try {
    const form = new FormData();
    form.set('name', 'bench');
    form.set('file', new Blob([await readFile(model.artifact)]), model.filename);
    await call(base, '/api/deployments', { method: 'POST', body: form });
    const { id, ...first } = await timeJob(base, child.pid, input, chunkSize);
    const head = await outputHead(base, id, sampleRows);
    const chunks = await chunkRows(base, id);
    const later = next ? await timeJob(base, child.pid, input, chunkSize) : undefined;
    return { ...first, head, chunks, pid: child.pid, ...(later && { next: later }) };
  } finally {
    child.kill('SIGTERM');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * The resident memory (MB) of a bare Node process that has opened an empty PGlite database in
 * a temporary folder and run one query: the embedded database's own share of a gateway.
 */
export function pgliteRss() {
  const script = `
    import { PGlite } from '@electric-sql/pglite';
    import { mkdtempSync, rmSync } from 'node:fs';
    import { tmpdir } from 'node:os';
    import { join } from 'node:path';
    const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-pglite-'));
    const db = await PGlite.create(dir);
    await db.query('select 1');
    console.log(process.memoryUsage().rss / 2 ** 20);
    await db.close();
    rmSync(dir, { recursive: true, force: true });`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: gatewayDir,
    encoding: 'utf8',
  });
  return Number(out.trim());
}
