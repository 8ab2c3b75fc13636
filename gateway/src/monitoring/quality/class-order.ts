import type { Label } from '../../protocol/monitoring.js';

/** Booleans, then numbers, then strings: scikit-learn refuses a mix, so any fixed order will do. */
const TYPE_RANK = { boolean: 0, number: 1, string: 2 } as const;

/**
 * UTF-16 code units ordered as the code points they encode: surrogates (code points above
 * U+FFFF) after U+E000–U+FFFF. numpy compares strings by code point, JavaScript's `<` by unit.
 */
function unitInCodePointOrder(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/** Strings by code point, as numpy (and so `np.unique`) orders them. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return unitInCodePointOrder(x) - unitInCodePointOrder(y);
  }
  return a.length - b.length;
}

/**
 * scikit-learn's `unique_labels` order: numbers numerically, strings by code point, `false`
 * before `true`. Where scikit-learn raises ("Mix of label input types") or would merge
 * (numpy takes `true` for 1), labels stay distinct and sort by type: booleans, numbers, strings.
 */
export function compareLabels(a: Label, b: Label): number {
  const ta = TYPE_RANK[typeof a as keyof typeof TYPE_RANK];
  const tb = TYPE_RANK[typeof b as keyof typeof TYPE_RANK];
  if (ta !== tb) return ta - tb;
  if (typeof a === 'string') return compareCodePoints(a, b as string);
  if (typeof a === 'boolean') return Number(a) - Number(b);
  // NaN (which JSON cannot carry) last, as np.unique puts it.
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a - (b as number);
}

/**
 * The keys a model may have answered a class's probability under: its string form, and the
 * forms Python writes (`True`/`False`; `1.0` for a float class that holds an integer).
 */
export function probabilityKeys(label: Label): string[] {
  if (typeof label === 'boolean') return [String(label), label ? 'True' : 'False'];
  if (typeof label === 'number' && Number.isInteger(label)) return [String(label), `${label}.0`];
  return [String(label)];
}

/**
 * Every label a model's answer under `key` could be the probability of: those whose
 * `probabilityKeys` include it (`"1.0"` is read for the string `"1.0"` and the number 1).
 */
export function labelsReadUnder(key: string): Label[] {
  const out: Label[] = [key];
  // '1e+21.0' is a key of 1e21 that Number() cannot read whole.
  for (const text of key.endsWith('.0') ? [key, key.slice(0, -2)] : [key]) {
    const n = Number(text);
    if (text.trim() !== '' && !Number.isNaN(n) && probabilityKeys(n).includes(key)) {
      out.push(n);
      break;
    }
  }
  if (key === 'true' || key === 'True') out.push(true);
  if (key === 'false' || key === 'False') out.push(false);
  return out;
}

/** A class's probability: the first of its keys that holds a finite number, else NaN. */
export function probabilityUnder(
  answered: Record<string, number>,
  keys: readonly string[],
): number {
  for (const key of keys) {
    const p = answered[key];
    if (Number.isFinite(p)) return p!;
  }
  return Number.NaN;
}
