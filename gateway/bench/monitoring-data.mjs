// The synthetic monitoring workload of bench/monitoring.mjs: 20 features (15 numeric, 5
// categorical) and a binary classifier's answers, drawn from a seeded generator so that
// Slipway and Evidently see the same values. Numeric features n0…n9 shift by half a standard
// deviation in the second half of the day, and so does c0's mix of categories.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const NUMERIC = Array.from({ length: 15 }, (_, i) => `n${i}`);
export const CATEGORICAL = ['c0', 'c1', 'c2', 'c3', 'c4'];
const CATEGORY_COUNTS = [3, 5, 10, 20, 100];
export const CLASSES = ['no', 'yes'];
const SHIFTED = 10;

/** mulberry32: small, seeded, good enough for benchmark data. */
function generator(seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare = null;
  const normal = () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = 1 - uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const th = 2 * Math.PI * uniform();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
  return { uniform, normal };
}

/**
 * `n` rows as columns: numeric features as Float64Array, categorical ones as category codes
 * (Uint8Array), the model's P(yes), its prediction and the label (0 = no, 1 = yes).
 * `shiftedFrom`: the first row index that belongs to the second (shifted) half.
 */
export function drawRows(n, { seed, shiftedFrom = Infinity }) {
  const g = generator(seed);
  const cols = {
    numeric: NUMERIC.map(() => new Float64Array(n)),
    categorical: CATEGORICAL.map(() => new Uint8Array(n)),
    pYes: new Float64Array(n),
    predicted: new Uint8Array(n),
    actual: new Uint8Array(n),
  };
  // Category weights: a geometric mix, so that categories are unequally common.
  const weights = CATEGORY_COUNTS.map((k) =>
    cumulative(Array.from({ length: k }, (_, j) => 0.8 ** j)),
  );
  const shiftedC0 = cumulative([1, 1, 1.6]);
  for (let r = 0; r < n; r++) {
    const shifted = r >= shiftedFrom;
    let z = -0.2;
    for (let f = 0; f < NUMERIC.length; f++) {
      const mean = 10 * (f + 1);
      const sd = 1 + f / 4;
      const x = mean + sd * (g.normal() + (shifted && f < SHIFTED ? 0.5 : 0));
      cols.numeric[f][r] = x;
      if (f < 5) z += (0.6 * (x - mean)) / sd;
    }
    for (let c = 0; c < CATEGORICAL.length; c++) {
      const code = pick(c === 0 && shifted ? shiftedC0 : weights[c], g.uniform());
      cols.categorical[c][r] = code;
      if (c === 0) z += 0.4 * code;
    }
    const p = 1 / (1 + Math.exp(-z));
    cols.pYes[r] = p;
    cols.predicted[r] = p >= 0.5 ? 1 : 0;
    cols.actual[r] = g.uniform() < p ? 1 : 0;
  }
  return cols;
}

function cumulative(w) {
  const total = w.reduce((a, b) => a + b, 0);
  let at = 0;
  return w.map((x) => (at += x / total));
}

function pick(cum, u) {
  for (let i = 0; i < cum.length; i++) if (u < cum[i]) return i;
  return cum.length - 1;
}

export const categoryName = (c, code) => `${CATEGORICAL[c]}_v${code}`;

/** Row `r` as the record a caller would send. */
export function recordOf(cols, r) {
  const rec = {};
  NUMERIC.forEach((name, f) => (rec[name] = cols.numeric[f][r]));
  CATEGORICAL.forEach((name, c) => (rec[name] = categoryName(c, cols.categorical[c][r])));
  return rec;
}

/** The model's signature: the inputs above, `label` and `probabilities` out. */
export function signature() {
  return {
    inputs: [
      ...NUMERIC.map((name) => ({ name, type: 'float64' })),
      ...CATEGORICAL.map((name) => ({ name, type: 'string' })),
    ],
    outputs: [
      { name: 'label', type: 'string', values: CLASSES },
      { name: 'probabilities', type: 'json' },
    ],
  };
}

/** Writes columns as raw little-endian arrays for the Python side (numpy.fromfile). */
export async function writeColumns(dir, prefix, cols) {
  await mkdir(dir, { recursive: true });
  const put = (name, arr) =>
    writeFile(
      join(dir, `${prefix}.${name}.bin`),
      new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength),
    );
  await Promise.all([
    ...NUMERIC.map((name, f) => put(name, cols.numeric[f])),
    ...CATEGORICAL.map((name, c) => put(name, cols.categorical[c])),
    put('p_yes', cols.pYes),
    put('predicted', cols.predicted),
    put('actual', cols.actual),
  ]);
}
