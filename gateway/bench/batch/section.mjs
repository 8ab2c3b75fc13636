// The batch benchmark's section of bench/RESULTS.md: medians over rounds, ratios per round.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { MODELS } from './inputs.mjs';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
const f = (n, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const rate = (run) => run.rows / run.seconds;
const range = (xs, d = 0, unit = '') =>
  `${f(median(xs), d)}${unit} (${f(Math.min(...xs), d)}–${f(Math.max(...xs), d)})`;
const mb = (n) => `${f(n)} MB`;

/** Each side's answers for the first rows as lists of numbers, in one order. */
const ANSWERS = {
  iris: {
    slipway: (r) => [
      Number(r.output_label),
      ...[0, 1, 2].map((k) => Number(r[`output_probability.${k}`])),
    ],
    limit: (r) => [r.label, ...r.probabilities],
    pandas: (r) => [r.output_label, ...[0, 1, 2].map((k) => r[`output_probability.${k}`])],
  },
  gbm: {
    slipway: (r) => [Number(r.prediction)],
    limit: (r) => [r.price],
    pandas: (r) => [r.price],
  },
};

/**
 * The largest difference, over the first rows, between Slipway's answers and the limit's and
 * pandas' (relative to the value, absolute below 1), from one round's runs.
 */
export function compareAnswers(model, round) {
  const read = ANSWERS[model];
  const ours = round.slipway.head.map(read.slipway);
  const against = (rows, pick) => {
    let worst = 0;
    rows.forEach((row, i) =>
      pick(row).forEach((want, k) => {
        const got = ours[i][k];
        worst = Math.max(worst, Math.abs(got - want) / Math.max(1, Math.abs(want)));
      }),
    );
    return { rows: Math.min(rows.length, ours.length), worst };
  };
  const pandasRun = Object.entries(round).find(([side]) => side.startsWith('pandas'))[1];
  return {
    limit: against(round.limit.sample.slice(0, ours.length), read.limit),
    pandas: against(pandasRun.sample.slice(0, ours.length), read.pandas),
    pandasMaxDifference: pandasRun.maxDifference,
  };
}

/** An installed package's version (the workspace's node_modules, or the repository's). */
function version(name) {
  for (const dir of ['../../node_modules/', '../../../node_modules/'])
    try {
      const file = new URL(`${dir}${name}/package.json`, import.meta.url);
      return JSON.parse(readFileSync(file, 'utf8')).version;
    } catch {
      // not in this one
    }
  return '?';
}

/** Markdown for one model's rows of the throughput table and its ratios. */
function modelRows(name, { runs, bytes }, pandasChunks) {
  const series = (side, pick = rate) => runs.map((r) => pick(r[side]));
  // `of`'s rows/s ÷ `side`'s, round by round.
  const ratio = (side, of = 'slipway') => runs.map((r) => rate(r[of]) / rate(r[side]));
  // CPU time per row: steadier than wall time while other work shares the cores.
  const cpuUs = (x) => (1e6 * x.cpuSeconds) / x.rows;
  const cpuRatio = (side, of = 'slipway') => runs.map((r) => cpuUs(r[side]) / cpuUs(r[of]));
  const label = MODELS[name].label;
  const sides = [
    ['slipway', 'Slipway job'],
    ['slipwayNext', 'Slipway, the same gateway’s next job'],
    ['slipwayFixed', 'Slipway job, `chunkSize` 1,000'],
    ['slipwayFixedNext', 'Slipway, its next job, `chunkSize` 1,000'],
    ['limit', '(a) limit'],
    ...pandasChunks.map((c) => [`pandas${c}`, `(b) pandas, chunks of ${f(c)}`]),
    ['floor', '(c) floor: (a) + output and monitor copy'],
  ];
  const table = sides.map(
    ([side, title]) =>
      `| ${label} | ${title} | ${range(series(side))} | ${f(median(series(side, (x) => x.seconds)), 1)} | ${f(median(series(side, cpuUs)), 1)} | ${side.startsWith('slipway') ? '— | —' : `**${range(ratio(side), 2, '×')}** | ${range(cpuRatio(side), 2, '×')}`} |`,
  );
  // Against the goals: a gateway's first job, and its next one.
  const goals = (of) => ({
    vsLimit: median(ratio('limit', of)),
    vsLimitCpu: median(cpuRatio('limit', of)),
    pandasBest: Math.min(...pandasChunks.map((c) => median(ratio(`pandas${c}`, of)))),
  });
  // What a job that did only the floor's work on one thread would reach, against the limit.
  const floorVsLimit = median(ratio('limit', 'floor'));
  // The chunks the job took (the first round's first job): how many, and their largest.
  const chunks = runs[0].slipway.chunks ?? [];
  return {
    table,
    first: goals('slipway'),
    next: goals('slipwayNext'),
    fixed: { first: goals('slipwayFixed'), next: goals('slipwayFixedNext') },
    chunks,
    floorVsLimit,
    bytes,
    memory: {
      before: median(series('slipway', (x) => x.peak.before)),
      during: median(series('slipway', (x) => x.peak.during)),
      lifetime: median(series('slipway', (x) => x.peak.lifetime)),
      database: median(series('slipway', (x) => x.peak.database ?? 0)),
      workers: median(series('slipway', (x) => x.peak.workers)),
      limit: median(series('limit', (x) => x.peakRssMb)),
      pandas: median(pandasChunks.map((c) => median(series(`pandas${c}`, (x) => x.peakRssMb)))),
    },
  };
}

/** The main thread's CPU by area of the code, for the profiled run of each model. */
function profileLines(profiles) {
  if (!profiles || Object.keys(profiles).length === 0) return '';
  const AREAS = [
    ['scoring', (a) => a === 'gateway: runtimes/'],
    [
      'embedded database (PGlite, its WebAssembly, drizzle, the repositories)',
      (a) =>
        a.startsWith('wasm://') ||
        ['@electric-sql/pglite', 'drizzle-orm', 'gateway: db/'].includes(a),
    ],
    ['invocation log and monitoring rows', (a) => a === 'gateway: monitoring/'],
    [
      'job runner and output (incl. csv-stringify)',
      (a) => a === 'gateway: batch/' || a === 'csv-stringify',
    ],
    [
      'data plane and validation',
      (a) => a === 'gateway: data-plane/' || a === 'gateway: validation/',
    ],
    ['garbage collector', (a) => a === '(garbage collector)'],
    [
      'node internals and native (I/O, postMessage, …)',
      (a) => a.includes('node internals') || a === '(program)',
    ],
  ];
  const names = Object.keys(profiles);
  const shares = names.map((name) => {
    const main = profiles[name][0];
    const busy = main.busyMs;
    const all = main.allAreas;
    const out = AREAS.map(([, match]) =>
      all.filter(([a]) => match(a)).reduce((s, [, ms]) => s + ms, 0),
    );
    return { busy, out, other: busy - out.reduce((s, x) => s + x, 0) };
  });
  const rows = AREAS.map(
    ([title], k) =>
      `| ${title} | ${shares.map((s) => `${f(s.out[k] / 1000, 1)} s (${f((100 * s.out[k]) / s.busy)} %)`).join(' | ')} |`,
  );
  const top = names.map(
    (name) =>
      `- ${MODELS[name].label}, heaviest functions (self time): ${profiles[name][0].functions
        .slice(0, 6)
        .map((fn) => `\`${fn.name}\` ${f(fn.ms / 1000, 1)} s`)
        .join(', ')}.`,
  );
  return `
### Where the gateway's time goes

One more run per model with the gateway under \`node --cpu-prof\` (not counted above): the
gateway's main thread, self time by area, its whole life (start-up and publishing included;
the job's thread — reading the CSV, validating and stacking each chunk and writing its output
and monitor columns from the answers' columns — is profiled apart, below; the ONNX
worker process is not profiled, its CPU is in the CPU per row above).

| area | ${names.map((n) => MODELS[n].label).join(' | ')} |
|---|${names.map(() => '---:').join('|')}|
| main thread busy | ${shares.map((s) => `${f(s.busy / 1000, 1)} s`).join(' | ')} |
${rows.join('\n')}
| other | ${shares.map((s) => `${f(s.other / 1000, 1)} s (${f((100 * s.other) / s.busy)} %)`).join(' | ')} |

${top.join('\n')}
${names
  .map((name) => {
    const others = profiles[name].slice(1).filter((p) => p.busyMs > 500);
    return others.length
      ? `- ${MODELS[name].label}, other threads and processes: ${others
          .map(
            (p) =>
              `${p.role} ${f(p.busyMs / 1000, 1)} s busy (${p.areas
                .slice(0, 3)
                .map((a) => `${a.name} ${f(100 * a.share)} %`)
                .join(', ')})`,
          )
          .join('; ')}.`
      : '';
  })
  .filter(Boolean)
  .join('\n')}
`;
}

/** The section. */
export function batchSection({ results, big, settings, versions, profiles, pgliteRssMb, load }) {
  const names = Object.keys(results);
  const models = Object.fromEntries(
    names.map((n) => [n, modelRows(n, results[n], settings.pandasChunks)]),
  );
  const py = versions.pandas;
  const verdict = (ok) => (ok ? '**met**' : '**not met**');
  // Wall time moves with the other work on the cores, CPU per row much less: the goal is met
  // only when both say so.
  const limitVerdict = ({ vsLimit, vsLimitCpu }) =>
    vsLimit >= 0.5 && vsLimitCpu < 0.5
      ? '**not met by CPU per row**, met by rows/s in this run'
      : verdict(vsLimit >= 0.5 && vsLimitCpu >= 0.5);
  const vsLimitText = (g) =>
    `${f(100 * g.vsLimit)} % of its rows/s and ${f(100 * g.vsLimitCpu)} % of its rows per CPU second: ${limitVerdict(g)}`;
  const memoryRows = names.map((n) => {
    const m = models[n].memory;
    return `| ${MODELS[n].label} | ${mb(m.before)} | ${mb(m.during)} | ${mb(m.lifetime)} | ${mb(m.database)} | ${m.workers ? mb(m.workers) : '— (in the gateway)'} | ${mb(m.limit)} | ${mb(m.pandas)} |`;
  });
  const answers = names.map((n) => {
    const a = results[n].answers;
    return `${MODELS[n].label}: the first ${a.limit.rows} rows differ from the limit's by at most ${a.limit.worst.toExponential(1)} and from scikit-learn's by at most ${a.pandas.worst.toExponential(1)} (relative); the refitted scikit-learn model differs from the predictions stored beside the fixture by at most ${a.pandasMaxDifference.toExponential(1)}`;
  });
  const bigText = big
    ? `
### A big input

${f(big.bytes / 1e9, 2)} GB of CSV (${f(big.rows)} rows for ${MODELS[big.model].label}: the model's columns and an
\`id\`, padded to about ${f(big.pad + 30)} bytes a row by a \`notes\` text column the model does not
take, so that the file reaches its size in rows this machine scores in minutes; written streamed,
deleted afterwards), one job, one run, in ${f(big.run.chunks.count)} chunks of at most ${f(big.run.chunks.largest)} rows (a chunk
the job sizes grows to no more than about a mebibyte of input):
**${f(rate(big.run))} rows/s** (${f(big.run.seconds)} s, ${f(big.bytes / 1e6 / big.run.seconds)} MB/s of input), ${f(big.run.errors)} rows refused.
Gateway RSS: ${mb(big.run.peak.before)} before the job, at most ${mb(big.run.peak.during)} during it
(sampled every 200 ms), ${mb(big.run.peak.lifetime)} at its peak over its life (VmHWM): the job itself
added at most ${mb(big.run.peak.during - big.run.peak.before)} to what the gateway held before it. Beside it: the
embedded database's process at most ${mb(big.run.peak.database ?? 0)}, the workers at most ${big.run.peak.workers ? mb(big.run.peak.workers) : '— (none)'}.
Goal, under 300 MB RSS for a 5 GB input: ${verdict(big.run.peak.lifetime < 300)}${big.bytes < 5e9 ? ` (this run had ${f(big.bytes / 1e9, 2)} GB, not 5)` : ''}.
`
    : `
No big-input run in this report (\`--big\`).
`;
  const { rounds, rows } = settings;
  return `## Batch scoring jobs

Made by \`npm run bench:batch --workspace gateway\` (bench/batch.mjs) on ${new Date().toISOString().slice(0, 10)},
${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, onnxruntime-node ${version('onnxruntime-node')},
papaparse ${version('papaparse')}; Python ${py.python}, pandas ${py.pandas}, scikit-learn ${py['scikit-learn']}, numpy ${py.numpy}
(the gateway's Python venv). Load average (1 min) before and after: ${f(load.before, 2)} and ${f(load.after, 2)}
(the cores are shared with other work: read ratios, not absolutes).

Input: a CSV of ${f(rows)} rows per model, generated (seeded) as bench/pmml/rows.mjs draws rows, with
an \`id\` column; every side reads the same file.

${names.map((n) => `- ${MODELS[n].label} (${f(results[n].bytes / 1e6, 1)} MB): ${MODELS[n].about}.`).join('\n')}

The sides:

- **Slipway**: a built gateway process (\`node dist/index.js\`, the embedded PGlite database in a
  fresh data dir, invocation log on with inputs, as it ships), the model published, then one job
  \`POST /api/deployments/bench/jobs\` \`{"input": {"path": "<file>"}, "passThrough": ["id"]}\`,
  timed from the POST until \`GET /api/jobs/:id\` (polled every 100 ms) says \`succeeded\`. The job
  writes a CSV of \`id\`, the prediction's columns and \`prediction_id\`. Then the same gateway
  scores the same file again as its next job, timed the same way: **the next job** is a gateway
  that has worked before, as one running nightly jobs is. The first job of a fresh gateway also
  pays for V8 compiling the embedded database's WebAssembly (PGlite) into optimized code, on
  background threads, as the job's log inserts first make its functions hot: a cost a gateway
  pays once, not per job. Both jobs go as
  columns, as they ship: the job's thread reads each chunk's cells straight into columns (the
  iris one's JSON list cells into one float32 column of four numbers a row,
  \`batch/number-list-cell.ts\`; the GBM one's numbers as float64 and the text \`district\` as
  codes into a table of its values), the iris one's ONNX worker runs it as bytes, the GBM one's
  PMML scoring thread scores it from its columns, and the job's thread
  writes the output from the answers' columns. The job names no \`chunkSize\`, so it sizes its
  chunks itself (\`batch/chunk-sizer.ts\`): from ${f(settings.chunk)} rows, doubling while its calls
  answer fast, up to \`SLIPWAY_MAX_BATCH\` (10,000). ${names.map((n) => `${MODELS[n].label}: ${f(models[n].chunks.length)} chunks, the largest ${f(Math.max(0, ...models[n].chunks))} rows, the first ${f(models[n].chunks.filter((c) => c === settings.chunk).length)} of ${f(settings.chunk)}`).join('; ')} (the first round's first job, counted by the call part of the prediction ids).
  **Slipway, \`chunkSize\` 1,000**: the same, the job naming \`"chunkSize": ${settings.chunk}\` (every chunk
  ${f(settings.chunk)} rows, as a job took by default before it sized its chunks), on a gateway of its own.
  CPU: the gateway and its workers (from /proc); (a), (b) and (c): their process.
- **(a) the limit** (bench/batch/limit.mjs, its own process): the file through the gateway's
  parser (PapaParse, through the built gateway's \`CsvRecords\`, a piece of the file at a time, as
  its reader parses); ${f(settings.chunk)}-row chunks scored by raw
  onnxruntime-node \`session.run\` (the model as the gateway runs it: ZipMap unzipped by its own
  \`prepareModel\`; the JSON list cell parsed with \`JSON.parse\`) or by the built gateway's
  PMML evaluator record by record on the same thread (\`compilePmml(…).score\`; cells to
  numbers, an empty cell as missing). No HTTP, no log, no validation, no output file. (The job
  scores a PMML chunk on the deployment's scoring thread, beside the thread that writes.)
- **(b) pandas** (bench/batch/pandas_side.py): \`pd.read_csv(path, chunksize=…)\`, per chunk the
  fitted scikit-learn pipeline's \`predict\` (iris: \`predict_proba\`, the label its argmax; the
  \`X\` cell read with \`json.loads\`) and \`to_csv\` of \`id\` and the predictions appended to one
  file. The models are refitted as the fixtures' scripts fit them before exporting them
  (make_onnx.py's iris StandardScaler + LogisticRegression; make_pmml.py's houses pipeline with
  GradientBoostingRegressor(100 trees, depth 3)); fitting is not timed. At ${f(settings.chunk)} rows (the limit's
  chunk), and at 100,000 rows, a chunk size a pandas user would pick.
- **(c) the floor** (bench/batch/limit.mjs with \`floor\`, its own process): (a), plus the least a
  job must add for each row, hand-written on the same thread: its output line (\`id\`, the
  prediction's columns, a prediction id; numbers as \`String\` writes them) and the monitor's copy
  of each chunk (the features' columns as read and the predictions, as JSON; the probabilities
  packed by the built gateway's \`packScores\`), each appended to a file. Not in it: validation,
  the invocation log and its database, drift rollups, the runtime in a process or thread of its
  own, the job's checkpoints. Not a goal of the issue: it says how much of the gap to (a) is the
  work itself, and how much the rest of the job.

${rounds} rounds, the sides taking turns to go first; figures are medians (min–max) over rounds; a
ratio is Slipway's rows/s ÷ the other side's in the same round (above 1: Slipway faster), and
the other side's CPU time per row ÷ Slipway's (above 1: Slipway spends less CPU on a row).

| model | side | rows/s | seconds | CPU µs per row | Slipway ÷ side, rows/s | side ÷ Slipway, CPU per row |
|---|---|---:|---:|---:|---:|---:|
${names.flatMap((n) => models[n].table).join('\n')}

- Goal, Slipway ≥ 50 % of (a): ${names.map((n) => `${MODELS[n].label}, the first job ${vsLimitText(models[n].first)}, the next job ${vsLimitText(models[n].next)}`).join('; ')}.
- With \`chunkSize\` 1,000 named (every chunk a call of 1,000 rows): ${names.map((n) => `${MODELS[n].label}, the first job ${f(models[n].fixed.first.vsLimit, 2)}× the limit's rows/s and ${f(models[n].fixed.first.pandasBest, 2)}× the faster pandas, the next job ${f(models[n].fixed.next.vsLimit, 2)}× and ${f(models[n].fixed.next.pandasBest, 2)}×`).join('; ')}.
- The floor, (c), on its one thread: ${names.map((n) => `${MODELS[n].label} ${f(models[n].floorVsLimit, 2)}× the limit's rows/s`).join('; ')}. That is the work itself, without validation, the log or the rest of the job.
- Goal, Slipway faster than (b) (at either chunk size): ${names.map((n) => `${MODELS[n].label}, the first job ${f(models[n].first.pandasBest, 2)}× the faster pandas, ${verdict(models[n].first.pandasBest > 1)}; the next job ${f(models[n].next.pandasBest, 2)}×, ${verdict(models[n].next.pandasBest > 1)}`).join('; ')}.
- Answers: ${answers.join('; ')}.

Memory, resident (MB, medians over rounds). Slipway: the gateway process before the job (the
model published), its highest during the job (sampled every 200 ms), its peak over its whole life
(the kernel's VmHWM, start-up included), and beside it, at their highest during the job, the
embedded database's process (PGlite, its own process since "Embedded database in a process of
its own") and the ONNX worker process. (a) and (b): their process's peak.

| model | gateway before | gateway during | gateway peak (VmHWM) | embedded database | ONNX worker | (a) limit | (b) pandas |
|---|---:|---:|---:|---:|---:|---:|---:|
${memoryRows.join('\n')}

For scale: an empty PGlite opened in a bare Node process (bench/batch/slipway-side.mjs's
\`pgliteRss\`, nothing else loaded) holds ${mb(pgliteRssMb)} resident.
${bigText}${profileLines(profiles)}`;
}
