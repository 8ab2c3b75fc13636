// Slipway's side of the PMML benchmark: the built gateway's PmmlRuntime, timed as the JVM side
// (bench/jvm-pmml) times its evaluators.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchRows } from './rows.mjs';

const gatewayDir = fileURLToPath(new URL('../../', import.meta.url));
const OPTIONS = { requestId: 'bench' };

const { PmmlRuntime } = await import('../../dist/runtimes/pmml/index.js').catch(() => {
  throw new Error('gateway/dist is missing: run `npm run build --workspace gateway` first');
});

/** Builds a record as a client's JSON gives it: every field, null where the value is missing. */
function record(fields, values) {
  const r = {};
  for (let i = 0; i < fields.length; i++) r[fields[i]] = values[i];
  return r;
}

/**
 * Loads fixture `m.fixture` in our runtime and picks the `n` rows every side scores; answers
 * with the model, its rows and records, our predictions for them and the load time.
 */
export async function prepareModel(m, n) {
  const base = join(gatewayDir, `test/fixtures/pmml/${m.fixture}`);
  const path = `${base}.pmml`;
  const expected = JSON.parse(await readFile(`${base}.expected.json`, 'utf8'));
  const runtime = new PmmlRuntime({
    name: m.fixture,
    version: 1,
    artifact: { path, sha256: '', size: (await stat(path)).size },
    pool: 'cpu',
    config: {},
  });
  const t = performance.now();
  await runtime.load();
  const loadMs = performance.now() - t;
  const fields = runtime.signature().inputs.map((f) => f.name);
  const rows = benchRows({ fields, fixtureRecords: expected.records, dataset: m.dataset, n });
  const records = rows.map((r) => record(fields, r));
  const predictions = await runtime.predict(records, OPTIONS);
  const producer = expected.producer.startsWith('hand-written')
    ? 'hand-written'
    : expected.producer;
  return { ...m, path, producer, runtime, loadMs, fields, rows, records, predictions };
}

/** CPU seconds of the whole process since `from` (GC included), as the JVM side counts its own. */
const cpuSince = (from) => {
  const { user, system } = process.cpuUsage(from);
  return (user + system) / 1e6;
};

/** All rows, prebuilt, in one predict call; repeated for `seconds`. */
export async function batch(m, seconds) {
  let records = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const stop = start + seconds * 1000;
  let now;
  do {
    await m.runtime.predict(m.records, OPTIONS);
    records += m.records.length;
    now = performance.now();
  } while (now < stop);
  return { records, seconds: (now - start) / 1000, cpuSeconds: cpuSince(cpu0) };
}

/** One predict call per record, each timed with its record built from the row. */
export async function oneByOne(m, seconds) {
  let lat = new Float64Array(1 << 16);
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const stop = start + seconds * 1000;
  let now = start;
  while (now < stop) {
    for (const row of m.rows) {
      const t = performance.now();
      await m.runtime.predict([record(m.fields, row)], OPTIONS);
      now = performance.now();
      if (n === lat.length) {
        const grown = new Float64Array(n * 2);
        grown.set(lat);
        lat = grown;
      }
      lat[n++] = now - t;
    }
  }
  const sorted = lat.subarray(0, n).sort();
  return {
    records: n,
    seconds: (now - start) / 1000,
    cpuSeconds: cpuSince(cpu0),
    p50us: sorted[n >> 1] * 1000,
    p99us: sorted[Math.min(n - 1, Math.floor(n * 0.99))] * 1000,
  };
}

/**
 * Warm-up as the JVM side does it: both loops for `seconds`, half each; then more one-second batch
 * passes while the rate still climbs by more than 3 %, for at most `seconds` more. Answers the
 * seconds spent.
 */
export async function warmUp(m, seconds) {
  const start = performance.now();
  await batch(m, seconds / 2);
  await oneByOne(m, seconds / 2);
  const rate = (t) => t.records / t.seconds;
  let previous = rate(await batch(m, 1));
  for (let extra = 1; extra < seconds; extra++) {
    const current = rate(await batch(m, 1));
    if (current < previous * 1.03) break;
    previous = current;
  }
  return (performance.now() - start) / 1000;
}

/** Times every model, batch then one by one, as the JVM side does. */
export async function timeSlipway(models, seconds) {
  const out = {};
  for (const m of models) {
    out[m.fixture] = { batch: await batch(m, seconds) };
    out[m.fixture].oneByOne = await oneByOne(m, seconds);
  }
  return out;
}
