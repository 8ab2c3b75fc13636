/**
 * A chunk's class probabilities as bytes: one row of `classes.length` numbers per prediction,
 * row-major, as float32 when every number is one (a model's float tensor) and float64 otherwise,
 * little-endian, in base64. What a batch job scored as tensors writes for the monitor's copy:
 * a third of the text of the same numbers as JSON, none of them turned into digits and back,
 * and the same numbers when read. A row holding a number that is not finite has no scores.
 */
export interface PackedScores {
  type: 'float32' | 'float64';
  base64: string;
}

/** Whether a monitor copy's scores are packed (rows of numbers as JSON are not). */
export const isPacked = (scores: unknown): scores is PackedScores =>
  typeof scores === 'object' && scores !== null && !Array.isArray(scores);

/**
 * Packs `n` rows of `k` scores (`at(r, j)`); a row with a number that is not finite is written
 * as NaN (it has none). Null when no row has scores.
 */
export function packScores(
  n: number,
  k: number,
  at: (r: number, j: number) => number,
): PackedScores | null {
  const narrow = new Float32Array(n * k);
  let exact = true;
  let any = false;
  for (let r = 0; r < n; r++) {
    const base = r * k;
    let finite = true;
    for (let j = 0; j < k; j++) {
      const x = at(r, j);
      narrow[base + j] = x;
      finite &&= Number.isFinite(x);
      exact &&= !finite || narrow[base + j] === x;
    }
    if (finite) any = true;
    else narrow.fill(NaN, base, base + k);
  }
  if (!any) return null;
  // Float32 only if every number is one; else each as it is.
  let packed: Float32Array | Float64Array = narrow;
  if (!exact) {
    packed = new Float64Array(n * k);
    for (let i = 0; i < packed.length; i++)
      packed[i] = Number.isNaN(narrow[i]!) ? NaN : at(Math.floor(i / k), i % k);
  }
  return {
    type: exact ? 'float32' : 'float64',
    base64: Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength).toString('base64'),
  };
}

const unpacked = new WeakMap<PackedScores, Float32Array | Float64Array>();

/** The numbers packed, decoded once per value. */
function numbersOf(scores: PackedScores): Float32Array | Float64Array {
  let all = unpacked.get(scores);
  if (!all) {
    // Copied into a buffer of its own: a typed array needs its element's alignment.
    const bytes = new Uint8Array(Buffer.from(scores.base64, 'base64'));
    all =
      scores.type === 'float32' ? new Float32Array(bytes.buffer) : new Float64Array(bytes.buffer);
    unpacked.set(scores, all);
  }
  return all;
}

/** How many rows of `k` numbers are packed. */
export const packedRowCount = (scores: PackedScores, k: number): number =>
  k === 0 ? 0 : Math.floor(numbersOf(scores).length / k);

/** Row `n` of `k` packed scores; null when it has none (a number in it not finite). */
export function packedRow(scores: PackedScores, k: number, n: number): ArrayLike<number> | null {
  const all = numbersOf(scores);
  if (k === 0 || (n + 1) * k > all.length) return null;
  const row = all.subarray(n * k, (n + 1) * k);
  return row.every(Number.isFinite) ? row : null;
}
