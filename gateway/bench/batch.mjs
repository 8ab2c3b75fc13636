// Benchmark of batch scoring jobs (issue 18, "Speed", batch): a built gateway process scoring a
// 1,000,000-row CSV by path as one job (POST /api/deployments/:name/jobs), side by side with
// (a) the limit — the same file through the same CSV parser, scored 1,000 rows at a time by raw
// onnxruntime-node `session.run` or the same PMML evaluator in one process (bench/batch/limit.mjs)
// — (b) what a user would do instead: pandas `read_csv(chunksize=…)` + scikit-learn
// `predict` on the same fitted model, the predictions written to a CSV
// (bench/batch/pandas_side.py, in the gateway's Python venv). The sides take turns over rounds;
// the report gives medians and ratios, and each side's answers for the first rows are compared.
// (c) the floor is the limit plus the output lines and the monitor's copy a job must add,
// hand-written on the same thread (limit.mjs floor): how much of the gap is the work itself.
// With --profile, one more gateway run per model under `node --cpu-prof` says where its time
// goes. With --big it also scores one big file (default 5 GB, rows padded with a text column the model
// does not take) once, for the gateway's peak memory, and deletes the file afterwards.
// Usage: npm run build --workspace gateway && npm run bench:batch --workspace gateway
//        [-- --rows 1000000 --rounds 3 --models iris,gbm --profile --big --big-gb 5 --big-model gbm
//            --out FILE --json FILE]
// --out writes the section to FILE instead of bench/RESULTS.md; --json writes every figure measured.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODELS, writeInput } from './batch/inputs.mjs';
import { summariseProfiles } from './batch/profile.mjs';
import { batchSection, compareAnswers } from './batch/section.mjs';
import { pgliteRss, timeSlipway } from './batch/slipway-side.mjs';
import { formatSection } from './pmml/section.mjs';
import { writeSection } from './report.mjs';

const gatewayDir = fileURLToPath(new URL('..', import.meta.url));
const text = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const settings = {
  rows: Number(text('rows') ?? 1_000_000),
  rounds: Number(text('rounds') ?? 3),
  // The limit's chunk, and the one a job of the sixteenth pass and before took by default (a
  // side of its own, \`slipwayFixed\`); the job itself sizes its chunks, as it ships.
  chunk: 1000,
  // pandas at the same chunk size as the job, and at one a pandas user would pick.
  pandasChunks: [1000, 100_000],
  profile: process.argv.includes('--profile'),
  big: process.argv.includes('--big'),
  bigGb: Number(text('big-gb') ?? 5),
  bigModel: text('big-model') ?? 'gbm',
  bigPad: 1000,
};
const modelNames = text('models')?.split(',') ?? Object.keys(MODELS);
const python = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/ensure-python.ts'], {
  cwd: gatewayDir,
  encoding: 'utf8',
}).trim();
const MIN_FREE_GB = 20;

/** Runs `command` with `args` and parses the JSON line it prints last. */
function runJson(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: gatewayDir });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()))
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${err}`)),
    );
  });
}

const limit = (model, input, mode = 'limit') =>
  runJson(process.execPath, ['bench/batch/limit.mjs', model, input, String(settings.chunk), mode]);
const pandas = (model, input, output, chunk) =>
  runJson(python, [
    'bench/batch/pandas_side.py',
    model,
    input,
    output,
    String(chunk),
    join(gatewayDir, 'test/fixtures'),
  ]);

const load = { before: loadavg()[0] };
const work = await mkdtemp(join(tmpdir(), 'slipway-bench-batch-'));
const results = {};
const profiles = {};
let big;
try {
  for (const name of modelNames) {
    const input = join(work, `${name}.csv`);
    const { bytes } = await writeInput(input, MODELS[name], settings.rows);
    const sides = {
      slipway: () => timeSlipway(MODELS[name], input, { python, next: true }),
      slipwayFixed: () =>
        timeSlipway(MODELS[name], input, { python, chunkSize: settings.chunk, next: true }),
      limit: () => limit(name, input),
      floor: () => limit(name, input, 'floor'),
      ...Object.fromEntries(
        settings.pandasChunks.map((c) => [
          `pandas${c}`,
          () => pandas(name, input, join(work, `${name}.pandas.csv`), c),
        ]),
      ),
    };
    const order = Object.keys(sides);
    const runs = [];
    for (let r = 0; r < settings.rounds; r++) {
      // Rotate who goes first, so a slow spell on the shared machine does not always hit one side.
      const round = {};
      for (let k = 0; k < order.length; k++) {
        const side = order[(k + r) % order.length];
        // The same gateway's next job is a side of its own.
        const { next, ...run } = await sides[side]();
        round[side] = run;
        if (next) round[`${side}Next`] = next;
      }
      for (const [side, run] of Object.entries(round))
        if (run.rows !== settings.rows)
          throw new Error(`${name} ${side}: ${run.rows} rows, not ${settings.rows}`);
      runs.push(round);
      const rate = (s) => Math.round(s.rows / s.seconds);
      console.log(
        `${name} round ${r + 1}/${settings.rounds} (rows/s): ${Object.keys(round)
          .map((s) => `${s} ${rate(round[s])}`)
          .join(', ')}; Slipway gateway RSS at most ${Math.round(round.slipway.peak.during)} MB`,
      );
    }
    if (settings.profile) {
      const dir = await mkdtemp(join(work, 'profile-'));
      const run = await timeSlipway(MODELS[name], input, {
        python,
        nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir],
      });
      profiles[name] = await summariseProfiles(dir, run.pid);
      await rm(dir, { recursive: true, force: true });
    }
    await rm(join(work, `${name}.pandas.csv`), { force: true });
    await rm(input);
    results[name] = { bytes, runs, answers: compareAnswers(name, runs[0]) };
  }

  if (settings.big) {
    const model = MODELS[settings.bigModel];
    const { bavail, bsize } = await statfs(work);
    const freeGb = (bavail * bsize) / 2 ** 30;
    if (freeGb - settings.bigGb < MIN_FREE_GB)
      throw new Error(
        `${freeGb.toFixed(1)} GB free: a ${settings.bigGb} GB input would leave less than ${MIN_FREE_GB} GB`,
      );
    const input = join(work, `${settings.bigModel}-big.csv`);
    // Rows of about bigPad bytes: the file reaches its size in as many rows as the job can score
    // in minutes on this machine.
    const t = performance.now();
    const { bytes, rows } = await writeInput(input, model, 0, {
      padBytes: settings.bigPad,
      minBytes: settings.bigGb * 1e9,
    });
    const writeSeconds = (performance.now() - t) / 1000;
    console.log(`big input: ${bytes} bytes, ${rows} rows, written in ${writeSeconds.toFixed(0)} s`);
    try {
      const timed = await timeSlipway(model, input, { python });
      // The chunks the job took, in short (a big file's are thousands).
      const chunks = { count: timed.chunks.length, largest: Math.max(...timed.chunks) };
      const run = { ...timed, chunks };
      big = { model: settings.bigModel, bytes, rows, pad: settings.bigPad, run };
      console.log(`big: ${JSON.stringify({ ...run, head: undefined })}`);
    } finally {
      await rm(input, { force: true });
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

load.after = loadavg()[0];
const pandasRun = Object.values(results)[0].runs[0][`pandas${settings.pandasChunks[0]}`];
const report = {
  results,
  big,
  settings,
  versions: { pandas: pandasRun.versions },
  profiles,
  pgliteRssMb: pgliteRss(),
  load,
};
const markdown = await formatSection(batchSection(report));
if (text('json')) await writeFile(text('json'), JSON.stringify(report, null, 1));
if (text('out')) await writeFile(text('out'), markdown);
else await writeSection('batch', markdown);
console.log(markdown);
