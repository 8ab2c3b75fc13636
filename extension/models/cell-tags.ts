/** papermill's tag for the cell holding the parameters' defaults. */
export const PARAMETERS_TAG = 'parameters';
/** Slipway's tag for the cells whose outputs a call returns. */
export const OUTPUT_TAG = 'output';

/** The tags with `tag` added when absent and removed when present; order otherwise kept. */
export function toggleTag(tags: readonly string[] | undefined, tag: string): string[] {
  const current = Array.isArray(tags) ? tags.filter((t) => typeof t === 'string') : [];
  return current.includes(tag) ? current.filter((t) => t !== tag) : [...current, tag];
}

/** Tags read from a cell's metadata value, tolerating anything malformed. */
export function tagsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
}

/**
 * The cells, other than `active`, that hold `tag` and lose it when `active` gains it: a
 * notebook has one parameters cell (papermill reads the first only), so tagging a second one
 * moves the tag. Empty for other tags, which many cells may hold, and when `active` loses it.
 */
export function cellsLosingTag(
  tagsByCell: readonly string[][],
  active: number,
  tag: string,
): number[] {
  if (tag !== PARAMETERS_TAG || tagsByCell[active]?.includes(tag)) return [];
  return tagsByCell.flatMap((tags, i) => (i !== active && tags.includes(tag) ? [i] : []));
}
