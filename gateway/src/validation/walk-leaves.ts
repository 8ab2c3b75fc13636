/**
 * Visits the leaves (non-array items) of nested arrays in row-major order, depth first with an
 * explicit stack, so that deep nesting costs memory, never the call stack. `visit` gets the
 * leaf, its index in its own array and the stack of next indices (see {@link leafPath}); it
 * answers something to stop the walk with that answer.
 */
export function walkLeaves<T>(
  root: unknown[],
  visit: (leaf: unknown, index: number, next: readonly number[]) => T | undefined,
): T | undefined {
  const arrays: unknown[][] = [root];
  // For each array on the stack, the index of its next item to visit.
  const next: number[] = [0];
  outer: while (arrays.length > 0) {
    const top = arrays.length - 1;
    const a = arrays[top]!;
    for (let i = next[top]!; i < a.length; i++) {
      const x = a[i];
      if (Array.isArray(x)) {
        next[top] = i + 1;
        arrays.push(x);
        next.push(0);
        continue outer;
      }
      const stop = visit(x, i, next);
      if (stop !== undefined) return stop;
    }
    arrays.pop();
    next.pop();
  }
  return undefined;
}
