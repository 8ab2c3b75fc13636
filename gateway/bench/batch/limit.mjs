// The limit of the batch benchmark, run as its own process: the CSV parsed with the gateway's
// parser (PapaParse, through the built gateway's CsvRecords, a piece of the file at a time, as
// its table reader parses) and scored 1,000 rows at a
// time in this one process, with nothing else: raw onnxruntime-node `session.run` on the model
// the gateway runs (ZipMap unzipped by the gateway's own prepareModel), or the built gateway's
// PMML evaluator, record by record. No HTTP, no log, no output file.
// Usage: node bench/batch/limit.mjs <iris|gbm> <file.csv> [chunk rows]
// Prints one JSON line: rows, seconds, CPU seconds, peak RSS and the first rows' predictions.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { MODELS } from './inputs.mjs';

const [modelName, path, chunkArg] = process.argv.slice(2);
const model = MODELS[modelName];
const chunkRows = Number(chunkArg ?? 1000);
const SAMPLE = 20;

/** A scorer of a chunk of CSV records (arrays of cells, header excluded). */
async function onnxScorer() {
  const { prepareModel } = await import('../../dist/runtimes/onnx/prepare-model.js');
  const prepared = prepareModel(await readFile(model.artifact));
  const session = await ort.InferenceSession.create(prepared.bytes, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
  });
  const input = session.inputNames[0];
  const x = model.header.indexOf('X');
  return async (records) => {
    const values = new Float32Array(records.length * 4);
    records.forEach((r, i) => values.set(JSON.parse(r[x]), i * 4));
    const out = await session.run({
      [input]: new ort.Tensor('float32', values, [records.length, 4]),
    });
    const labels = out[session.outputNames[0]].data;
    const probabilities = out[session.outputNames[1]].data;
    return Array.from(labels, (label, i) => ({
      label: Number(label),
      probabilities: Array.from(probabilities.subarray(i * 3, i * 3 + 3)),
    }));
  };
}

async function pmmlScorer() {
  // The evaluator itself, record by record on this thread (what PmmlRuntime does for a small
  // call; a large one it sends to a scoring thread, which would be the job's trick, not the limit).
  const { compilePmml } = await import('../../dist/runtimes/pmml/index.js');
  const compiled = compilePmml(await readFile(model.artifact));
  const columns = model.header.slice(1).map((name) => ({ name, at: model.header.indexOf(name) }));
  const numeric = new Set(['area', 'rooms', 'year']);
  return async (records) =>
    records.map((r) => {
      const record = {};
      for (const { name, at } of columns) {
        const cell = r[at];
        record[name] = cell === '' ? null : numeric.has(name) ? Number(cell) : cell;
      }
      return compiled.score(record);
    });
}

const score = modelName === 'iris' ? await onnxScorer() : await pmmlScorer();
const cpu0 = process.cpuUsage();
const start = performance.now();
const { CsvRecords } = await import('../../dist/monitoring/tables/csv-records.js');
const csv = new CsvRecords(2 ** 20);
const utf8 = new TextDecoder('utf-8');
let header = true;
let chunk = [];
let rows = 0;
const sample = [];
const flush = async () => {
  const predictions = await score(chunk);
  if (sample.length < SAMPLE) sample.push(...predictions.slice(0, SAMPLE - sample.length));
  rows += chunk.length;
  chunk = [];
};
const take = async ({ records, error }) => {
  if (error) throw error;
  for (const record of records) {
    if (header) {
      header = false;
      continue;
    }
    chunk.push(record);
    if (chunk.length === chunkRows) await flush();
  }
};
for await (const piece of createReadStream(path))
  await take(csv.push(utf8.decode(piece, { stream: true })));
await take(csv.push(utf8.decode()));
await take(csv.end());
if (chunk.length) await flush();
const seconds = (performance.now() - start) / 1000;
const { user, system } = process.cpuUsage(cpu0);
const status = await readFile('/proc/self/status', 'utf8');
const peakRssMb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
console.log(
  JSON.stringify({ rows, seconds, cpuSeconds: (user + system) / 1e6, peakRssMb, sample }),
);
