import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the JavaScript heap grow past what the last full collection kept, in percent.
 * Left to itself, V8 lets it grow up to four times that before collecting again: a batch job's
 * short-lived rows then pile up as 250 MB of garbage in a gateway whose live heap is 60 MB.
 * 50 % holds a million-row job under 300 MB resident for a few percent more CPU
 * (bench/RESULTS.md § Batch scoring jobs).
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Bounds the heap's growth, unless the command line or NODE_OPTIONS already sets it (an
 * operator's choice wins). V8 reads the flag at each collection, so setting it at start-up works.
 */
export function boundHeapGrowth(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): boolean {
  const given = [...execArgv, nodeOptions].some((a) => /--heap[-_]growing[-_]percent/.test(a));
  if (given) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
