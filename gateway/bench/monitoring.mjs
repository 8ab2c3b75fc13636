// Benchmark of the monitoring loop (issue §6): quality and drift over a window of 1,000,000
// logged predictions × 20 features, on PGlite and on Postgres, beside Evidently's
// DataDriftPreset and scikit-learn's classification metrics on the same data in the same run;
// then the ONNX invoke path with the invocation log keeping inputs (SLIPWAY_LOG_INPUTS=true)
// and not (false), side by side (bench/monitoring-log-inputs.mjs).
//
// The calls go in as the log writer writes them: CallWriter.insertMany, 500 calls a batch,
// each call 100 records spread over 24 hours; every prediction then gets its label through
// MonitoringRepository.applyLabels. Postgres is used when SLIPWAY_BENCH_DATABASE_URL (or the
// tests' postgres://postgres:postgres@127.0.0.1:5432/postgres) answers: the benchmark makes a
// database of its own there (bench_<random>) and drops it afterwards.
//
// Usage: npm run build --workspace gateway && node gateway/bench/monitoring.mjs
//        [--dist <a gateway build's dist/>] [--calls 10000 --records 100 --batch 500]
//        [--labelled 1] [--runs 5] [--evidently-runs 3] [--databases pglite,postgres]
//        [--no-inputs] [--python <python with evidently>] [--log-rounds 4 --log-duration 8]
//        [--skip evidently,log-inputs] [--out <file.md>]
// Without --out the report replaces the `monitoring` section of bench/RESULTS.md.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import postgres from 'postgres';
import {
  CATEGORICAL,
  CLASSES,
  NUMERIC,
  categoryName,
  drawRows,
  recordOf,
  signature,
  writeColumns,
} from './monitoring-data.mjs';
import { logInputsSideBySide } from './monitoring-log-inputs.mjs';
import { writeSection } from './report.mjs';

const gatewayDir = fileURLToPath(new URL('..', import.meta.url));
const repoDir = resolve(gatewayDir, '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const flag = (name) => process.argv.includes(`--${name}`);
const dist = resolve(arg('dist', join(gatewayDir, 'dist')));
const calls = Number(arg('calls', 10_000));
const perCall = Number(arg('records', 100));
const batch = Number(arg('batch', 500));
const labelledShare = Number(arg('labelled', 1));
const runs = Number(arg('runs', 5));
const evidentlyRuns = Number(arg('evidently-runs', 3));
const referenceRows = Number(arg('reference', 5000));
const keepInputs = !flag('no-inputs');
const skip = new Set((arg('skip', '') || '').split(',').filter(Boolean));
const databases = arg('databases', 'pglite,postgres').split(',');
const out = arg('out');
const N = calls * perCall;
const NAME = 'bench';
const DAY = 86_400_000;
const START = new Date('2026-11-28T00:00:00Z');
const WINDOW = { from: START, to: new Date(START.getTime() + DAY) };

const mod = (path) => import(pathToFileURL(join(dist, path)).href);
const { openDatabase } = await mod('db/client.js');
const { CallWriter } = await mod('db/call-writer.js');
const { DeploymentRepository } = await mod('db/deployment-repository.js');
const { MonitoringRepository } = await mod('db/monitoring-repository.js');
const { QualityService } = await mod('monitoring/quality-service.js');
const { DriftService, driftReport } = await mod('monitoring/drift-service.js');
const { predictionView } = await mod('monitoring/prediction-view.js');
const { PREDICTION_FEATURE } = await mod('monitoring/features.js');
const { summarize, merge } = await mod('monitoring/summaries/value-summary.js');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
async function timed(fn) {
  const t = performance.now();
  const result = await fn();
  return { ms: performance.now() - t, result };
}
/**
 * One warm-up, then `runs` timed calls (3 when the warm-up took over 5 s, so that a slow
 * answer does not hold the run for many minutes): the median and every run, ms.
 */
async function medianOf(fn, n = runs) {
  const warm = await timed(fn);
  const count = warm.ms > 5000 ? Math.min(n, 3) : n;
  const ms = [];
  let last;
  for (let i = 0; i < count; i++) {
    const t = await timed(fn);
    ms.push(t.ms);
    last = t.result;
  }
  return {
    ms: median(ms),
    min: Math.min(...ms),
    max: Math.max(...ms),
    all: ms,
    warmUp: warm.ms,
    result: last,
  };
}

// ---------------------------------------------------------------------------------- the data
log(`drawing ${N.toLocaleString('en-US')} rows and a ${referenceRows}-row reference`);
const current = drawRows(N, { seed: 1, shiftedFrom: N / 2 });
const reference = drawRows(referenceRows, { seed: 2 });
const dataDir = await mkdtemp(join(tmpdir(), 'slipway-bench-monitoring-'));
await writeColumns(dataDir, 'current', current);
await writeColumns(dataDir, 'reference', reference);
const sig = signature();
const view = predictionView(sig, {}, 'model');
const label = (code) => CLASSES[code];
const scoresOf = (cols, r) => ({ no: 1 - cols.pYes[r], yes: cols.pYes[r] });

/** The reference profile as ReferenceService stores an uploaded file's: one summary per column. */
function referenceProfile() {
  const features = {};
  NUMERIC.forEach((name, f) => (features[name] = summarize('numeric', [...reference.numeric[f]])));
  CATEGORICAL.forEach(
    (name, c) =>
      (features[name] = summarize(
        'categorical',
        [...reference.categorical[c]].map((code) => categoryName(c, code)),
      )),
  );
  features[PREDICTION_FEATURE] = summarize('categorical', [...reference.predicted].map(label));
  return features;
}

/** Call `i` as the invocation log hands it to the writer (what observeCall and logCall build). */
function loggedCall(i) {
  const id = randomUUID();
  const time = new Date(START.getTime() + Math.floor((i * DAY) / calls));
  const rows = Array.from({ length: perCall }, (_, j) => i * perCall + j);
  const ids = perCall === 1 ? [id] : rows.map((_, j) => `${id}:${j}`);
  const outputs = rows.map((r) => ({
    label: label(current.predicted[r]),
    probabilities: scoresOf(current, r),
  }));
  const features = {};
  NUMERIC.forEach(
    (name, f) =>
      (features[name] = { kind: 'numeric', values: rows.map((r) => current.numeric[f][r]) }),
  );
  CATEGORICAL.forEach(
    (name, c) =>
      (features[name] = {
        kind: 'categorical',
        values: rows.map((r) => categoryName(c, current.categorical[c][r])),
      }),
  );
  const observed = outputs.map((o) => view.observe(o));
  features[PREDICTION_FEATURE] = { kind: 'categorical', values: observed.map((o) => o.predicted) };
  return {
    id,
    deploymentName: NAME,
    version: 1,
    time,
    latencyMs: 1.5,
    status: 200,
    protocol: 'records',
    input: keepInputs ? rows.map((r) => recordOf(current, r)) : null,
    output: keepInputs ? outputs : null,
    error: null,
    ignoredFields: null,
    truncated: null,
    monitored: { predictions: observed.map((o, j) => ({ id: ids[j], ...o })), features },
    ids,
  };
}

// ------------------------------------------------------------------------------- databases
const testUrl = 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
async function postgresServer() {
  const url = process.env.SLIPWAY_BENCH_DATABASE_URL ?? testUrl;
  const admin = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    const [{ version }] = await admin`select version()`;
    return { url, admin, version };
  } catch (err) {
    await admin.end({ timeout: 1 }).catch(() => {});
    log(`no Postgres at ${url.replace(/:[^:@/]*@/, ':***@')}: ${err.message}`);
    return null;
  }
}

async function openBenchDatabase(kind) {
  if (kind === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-pglite-'));
    const db = await openDatabase({ dataDir: dir });
    return {
      ...db,
      label: 'PGlite (data dir on disk)',
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const server = await postgresServer();
  if (!server) return null;
  const name = `bench_${randomBytes(6).toString('hex')}`;
  await server.admin.unsafe(`create database ${name}`);
  const u = new URL(server.url);
  u.pathname = `/${name}`;
  const db = await openDatabase({ url: u.href });
  return {
    ...db,
    label: `Postgres (${server.version.split(' ').slice(0, 2).join(' ')}, database ${name}, dropped after)`,
    drop: async () => {
      await server.admin.unsafe(`drop database if exists ${name} with (force)`);
      await server.admin.end({ timeout: 5 });
    },
  };
}

async function benchDatabase(kind) {
  const opened = await openBenchDatabase(kind);
  if (!opened) return null;
  const { db } = opened;
  try {
    log(`${kind}: publishing, loading ${calls} calls × ${perCall} records`);
    await new DeploymentRepository(db).publish({
      name: NAME,
      pool: 'cpu',
      public: false,
      format: 'onnx',
      artifactSha256: '0'.repeat(64),
      artifactSize: 1,
      filename: null,
      config: {},
      signature: sig,
      invokeKeyHash: randomBytes(32).toString('hex'),
      invokeKeyId: randomUUID(),
    });
    const writer = new CallWriter(db);
    const monitoring = new MonitoringRepository(db);
    const ids = [];
    const predictionRows = [];
    const load = await timed(async () => {
      for (let i = 0; i < calls; i += batch) {
        const part = [];
        for (let k = i; k < Math.min(calls, i + batch); k++) {
          const { ids: callIds, ...row } = loggedCall(k);
          part.push(row);
          ids.push(...callIds);
          for (const p of row.monitored.predictions)
            predictionRows.push({
              id: p.id,
              deploymentName: NAME,
              version: 1,
              time: row.time,
              predicted: p.predicted,
              scores: p.scores,
            });
        }
        await writer.insertMany(part);
        if ((i / batch) % 4 === 0) log(`${kind}: ${i + part.length} calls written`);
      }
    });
    // Feedback makes a prediction's row when its label comes (FeedbackService): done here for
    // every prediction at once, as a label for each is applied next.
    log(`${kind}: making ${predictionRows.length} prediction rows, as feedback does`);
    const adopt = await timed(async () => {
      for (let i = 0; i < predictionRows.length; i += 5000)
        await monitoring.adoptPredictions(predictionRows.slice(i, i + 5000));
    });
    predictionRows.length = 0;
    const items = [];
    for (let r = 0; r < N; r++)
      if (labelledShare >= 1 || (r * 7919) % 1000 < labelledShare * 1000)
        items.push({ id: ids[r], actual: label(current.actual[r]) });
    log(`${kind}: applying ${items.length} labels`);
    const labels = await timed(() => monitoring.applyLabels(NAME, items, new Date()));
    await monitoring.putReference(NAME, referenceRows, referenceProfile());
    const sizes = await tableSizes(db, kind);

    const flushHook = { flush: async () => {} };
    const quality = new QualityService({ monitoring, log: flushHook, view: async () => view });
    const drift = new DriftService({ monitoring, log: flushHook });
    log(`${kind}: rebuilding the hourly quality summaries the labels made stale`);
    const refresh = await timed(() => quality.refresh(NAME));
    log(`${kind}: timing quality`);
    const q = await medianOf(() => quality.report(NAME, { ...WINDOW, bucket: 'hour' }));
    const qQuery = await medianOf(() => monitoring.qualityRollups(NAME, WINDOW));
    const qRows = await timed(() => monitoring.labelled(NAME, WINDOW));
    log(`${kind}: timing drift`);
    const d = await medianOf(() => drift.report(NAME, WINDOW));
    const dQuery = await medianOf(() => monitoring.rollups(NAME, WINDOW));
    const refProfile = await monitoring.reference(NAME);
    const settings = await monitoring.settings(NAME);
    const dCompute = await medianOf(() => {
      const merged = new Map();
      for (const r of dQuery.result) {
        const prev = merged.get(r.feature);
        merged.set(r.feature, prev ? merge(prev, r.summary) : r.summary);
      }
      return driftReport(NAME, WINDOW, refProfile, merged, settings);
    });
    return {
      kind,
      label: opened.label,
      loadMs: load.ms,
      labelsMs: labels.ms,
      adoptMs: adopt.ms,
      labelled: items.length,
      sizes,
      quality: q,
      qualityRefreshMs: refresh.ms,
      qualityQuery: qQuery,
      qualityRollupRows: qQuery.result.length,
      qualityRowsMs: qRows.ms,
      labelledRows: qRows.result.length,
      drift: d,
      driftQuery: dQuery,
      driftCompute: dCompute,
      rollupRows: dQuery.result.length,
    };
  } finally {
    await opened.close().catch(() => {});
    await opened.drop().catch((err) => log(`could not drop the ${kind} database: ${err.message}`));
  }
}

async function tableSizes(db, kind) {
  const { sql } = await import('drizzle-orm');
  const res = await db.execute(
    sql`select relname as name, pg_total_relation_size(c.oid)::bigint as bytes
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and relname in ('invocations', 'predictions', 'feature_rollups')`,
  );
  const list = kind === 'pglite' ? res.rows : res;
  return Object.fromEntries(list.map((r) => [r.name, Number(r.bytes)]));
}

// ---------------------------------------------------------------------------------- Evidently
async function findPython() {
  const given = arg('python') ?? process.env.SLIPWAY_BENCH_PYTHON;
  if (given) return given;
  const devDir = join(repoDir, '.venv-worker/dev');
  const candidates = existsSync(devDir)
    ? (await readdir(devDir))
        .filter((d) => d.startsWith('venv-'))
        .map((d) => join(devDir, d, 'bin/python'))
    : [];
  for (const py of candidates)
    if ((await runProcess(py, ['-c', 'import evidently, sklearn, pandas'])).code === 0) return py;
  // The dev venv as the tests make it (gateway/workers/python/requirements-dev.txt).
  const made = await runProcess(
    process.execPath,
    ['--import', 'tsx', 'scripts/python-dev.ts', 'env'],
    gatewayDir,
  );
  return made.code === 0 ? made.out.trim().split('\n').at(-1) : null;
}

function runProcess(cmd, args, cwd = gatewayDir) {
  return new Promise((res) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let o = '';
    let e = '';
    child.stdout.on('data', (d) => (o += d));
    child.stderr.on('data', (d) => {
      e += d;
      process.stderr.write(d);
    });
    child.on('error', (err) => res({ code: -1, out: o, err: String(err) }));
    child.on('exit', (code) => res({ code, out: o, err: e }));
  });
}

async function evidently() {
  const python = await findPython();
  if (!python) return { error: 'no Python with evidently found (pass --python)' };
  log(`Evidently and scikit-learn with ${python}`);
  const r = await runProcess(python, [
    join(gatewayDir, 'bench/monitoring_evidently.py'),
    '--dir',
    dataDir,
    '--rows',
    String(N),
    '--reference',
    String(referenceRows),
    '--runs',
    String(evidentlyRuns),
  ]);
  if (r.code !== 0)
    return { error: `monitoring_evidently.py exited ${r.code}: ${r.err.slice(-2000)}` };
  return { python, ...JSON.parse(r.out.trim().split('\n').at(-1)) };
}

// ------------------------------------------------------------------------------------- run it
const load1 = loadavg()[0];
const started = new Date();
const results = [];
let ev = null;
try {
  for (const kind of databases) {
    const r = await benchDatabase(kind);
    if (r) results.push(r);
    else results.push({ kind, missing: true });
  }
  ev = skip.has('evidently') ? null : await evidently();
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
const logInputs = skip.has('log-inputs')
  ? null
  : await logInputsSideBySide({
      dist,
      rounds: Number(arg('log-rounds', 4)),
      duration: Number(arg('log-duration', 8)),
      log,
    });
const load2 = loadavg()[0];

// ------------------------------------------------------------------------------------ report
const { report } = await import('./monitoring-report.mjs');
const markdown = report({
  started,
  cpus: cpus(),
  totalmem: totalmem(),
  node: process.version,
  load: [load1, load2],
  N,
  calls,
  perCall,
  batch,
  runs,
  evidentlyRuns,
  referenceRows,
  keepInputs,
  results,
  evidently: ev,
  logInputs,
});
if (out) await writeFile(out, markdown);
else await writeSection('monitoring', markdown);
console.log(markdown);
