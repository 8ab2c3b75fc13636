// The limit of the batch benchmark, run as its own process: the CSV parsed with the gateway's
// parser (PapaParse, through the built gateway's CsvRecords, a piece of the file at a time, as
// its table reader parses) and scored 1,000 rows at a
// time in this one process, with nothing else: raw onnxruntime-node `session.run` on the model
// the gateway runs (ZipMap unzipped by the gateway's own prepareModel), or the built gateway's
// PMML evaluator, record by record. No HTTP, no log, no output file.
// With `floor`, (c): the same, plus the least a job must add for each row, hand-written on the
// same thread: its output line (`id`, the prediction's columns, a prediction id; numbers as
// `String` writes them) and the monitor's copy of the chunk (the features' columns as read and
// the predictions, as JSON; probabilities packed as the gateway's `packScores` packs them),
// each appended to a file. No validation, no log, no database, no other thread or process.
// Usage: node bench/batch/limit.mjs <iris|gbm> <file.csv> [chunk rows] [floor]
// Prints one JSON line: rows, seconds, CPU seconds, peak RSS and the first rows' predictions.
import { randomUUID } from 'node:crypto';
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { MODELS } from './inputs.mjs';

const [modelName, path, chunkArg, mode] = process.argv.slice(2);
const model = MODELS[modelName];
const chunkRows = Number(chunkArg ?? 1000);
const SAMPLE = 20;
const floor = mode === 'floor';

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
  const { packScores } = await import('../../dist/monitoring/packed-scores.js');
  return async (records) => {
    const values = new Float32Array(records.length * 4);
    const features = floor ? [[], [], [], []] : undefined;
    records.forEach((r, i) => {
      const cell = JSON.parse(r[x]);
      values.set(cell, i * 4);
      if (features) for (let j = 0; j < 4; j++) features[j].push(cell[j]);
    });
    const out = await session.run({
      [input]: new ort.Tensor('float32', values, [records.length, 4]),
    });
    const labels = out[session.outputNames[0]].data;
    const probabilities = out[session.outputNames[1]].data;
    const predictions = Array.from(labels, (label, i) => ({
      label: Number(label),
      probabilities: Array.from(probabilities.subarray(i * 3, i * 3 + 3)),
    }));
    if (features)
      written(
        records,
        predictions,
        (p) => {
          const [a, b, c] = p.probabilities;
          return `${p.label},${String(a)},${String(b)},${String(c)}`;
        },
        Object.fromEntries(features.map((v, j) => [`X[${j}]`, { kind: 'numeric', values: v }])),
        {
          predicted: predictions.map((p) => p.label),
          classes: ['0', '1', '2'],
          scores: packScores(records.length, 3, (r, j) => probabilities[r * 3 + j]),
        },
      );
    return predictions;
  };
}

async function pmmlScorer() {
  // The evaluator itself, record by record on this thread (what PmmlRuntime does for a small
  // call; a large one it sends to a scoring thread, which would be the job's trick, not the limit).
  const { compilePmml } = await import('../../dist/runtimes/pmml/index.js');
  const compiled = compilePmml(await readFile(model.artifact));
  const columns = model.header.slice(1).map((name) => ({ name, at: model.header.indexOf(name) }));
  const numeric = new Set(['area', 'rooms', 'year']);
  return async (records) => {
    // The floor keeps each record as read, for the features' columns.
    const read = floor ? [] : undefined;
    const predictions = records.map((r) => {
      const record = {};
      for (const { name, at } of columns) {
        const cell = r[at];
        record[name] = cell === '' ? null : numeric.has(name) ? Number(cell) : cell;
      }
      read?.push(record);
      return compiled.score(record);
    });
    if (read) {
      const predicted = predictions.map((p) => p.price);
      written(
        records,
        predictions,
        (p) => String(p.price),
        {
          ...Object.fromEntries(
            columns.map(({ name }) => [
              name,
              {
                kind: numeric.has(name) ? 'numeric' : 'categorical',
                values: read.map((record) => record[name]),
              },
            ]),
          ),
          '#prediction': { kind: 'numeric', values: predicted },
        },
        { predicted, classes: null, scores: null },
      );
    }
    return predictions;
  };
}

// The floor's files: the output lines and the monitor's copy, appended chunk by chunk.
const floorDir = floor ? await mkdtemp(join(tmpdir(), 'slipway-bench-floor-')) : undefined;
const outputFd = floor ? openSync(join(floorDir, 'output.csv'), 'w') : undefined;
const monitorFd = floor ? openSync(join(floorDir, 'monitor.jsonl'), 'w') : undefined;
/**
 * Appends a chunk's output lines (`id`, the prediction's cells, a prediction id) and the
 * monitor's copy of it (the features' columns, the answers with each one's index).
 */
function written(records, predictions, cellsOf, features, answers) {
  const id = randomUUID();
  let lines = '';
  predictions.forEach((p, i) => (lines += `${records[i][0]},${cellsOf(p)},${id}:${i}\n`));
  const index = predictions.map((_, i) => i);
  writeSync(outputFd, lines);
  writeSync(
    monitorFd,
    `{"features":${JSON.stringify(features)},"answers":${JSON.stringify({ index, ...answers })}}\n`,
  );
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
if (floor) {
  closeSync(outputFd);
  closeSync(monitorFd);
  await rm(floorDir, { recursive: true, force: true });
}
const status = await readFile('/proc/self/status', 'utf8');
const peakRssMb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
console.log(
  JSON.stringify({ rows, seconds, cpuSeconds: (user + system) / 1e6, peakRssMb, sample }),
);
