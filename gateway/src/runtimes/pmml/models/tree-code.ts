/**
 * The flat trees of a sum (flat-trees.ts) as code, for records whose every field the trees read
 * has a value: each node's test written in (a comparison with its threshold as a literal, or an
 * equality already decided for the record), each tree one expression, the sum unrolled. V8
 * compiles that into straight compares and branches, where the flat walk loads a node's test,
 * field, threshold and children from arrays at every step. Only numbers and names made here go
 * into the code (literals made by `String` of a number, indexes), never text from the document.
 */

/** The flattened trees as flat-trees.ts holds them (one entry per node, per tree). */
export interface TreeShape {
  readonly first: Int32Array;
  readonly count: Int32Array;
  readonly score: Float64Array;
  readonly kids: Int32Array;
  readonly roots: Int32Array;
  readonly weights: Float64Array;
  readonly returnLast: Uint8Array;
  /** The node's test as code over `x<field>` and `e<pair>` (see `TreeCode`). */
  readonly test: (node: number) => string;
}

/**
 * One group of consecutive trees over a record: `x` its fields' numbers (by field index), `e`
 * its equality tests (1: equal, by pair index). Adds each tree's answer to the running sum in
 * `acc` (ACC's slots), in tree order, and answers false as soon as a tree answers none and the
 * sum does not skip missing trees.
 */
export type TreeGroup = (x: Float64Array, e: Uint8Array, acc: Float64Array) => boolean;

/** The running sum's slots in `acc`. */
export const ACC = { SUM: 0, TOTAL_WEIGHT: 1, USED: 2, ALL: 3, MISSING: 4 } as const;

/** Nodes past which no code is made (the flat walk scores the trees). */
export const MAX_CODE_NODES = 100_000;
/**
 * Nodes of one function at most (a tree bigger than this has a function of its own): V8
 * optimises a function only below a size of bytecode (`--max-optimized-bytecode-size`, 60 KB),
 * and a node's test is ~15 bytes of it.
 */
export const NODES_PER_FUNCTION = 1500;
/** Depth past which no code is made: each level nests an expression. */
export const MAX_CODE_DEPTH = 48;

/** A number as a literal that reads back to the same double (-0 kept; NaN, ±Infinity named). */
export const literal = (v: number): string => `(${Object.is(v, -0) ? '-0' : String(v)})`;

/**
 * The trees' code, in groups of consecutive trees (`TreeGroup`s' bodies), or undefined when the
 * trees are too big or too deep for code. The code answers what the flat walk answers for a
 * record whose tests are all known (true or false, never unknown), so the missing-value
 * strategies never apply: the first child whose test is true is taken; a node with no true
 * child answers its score (returnLastPrediction) or none (NaN).
 */
export function treeCode(
  s: TreeShape,
  sizes: { nodes: number; fields: number; pairs: number },
  opts: { weighted: boolean; skip: boolean },
): string[] | undefined {
  if (sizes.nodes > MAX_CODE_NODES) return undefined;
  let tooDeep = false;
  let nodes = 0;
  // The answer of a node already entered: its score, or its first true child's answer.
  const answer = (n: number, tree: number, depth: number): string => {
    nodes++;
    if (depth > MAX_CODE_DEPTH) tooDeep = true;
    const count = s.count[n]!;
    if (count === 0 || tooDeep) return literal(s.score[n]!);
    let code = s.returnLast[tree] ? literal(s.score[n]!) : 'NaN';
    for (let k = count - 1; k >= 0; k--) {
      const child = s.kids[s.first[n]! + k]!;
      code = `(${s.test(child)} ? ${answer(child, tree, depth + 1)} : ${code})`;
    }
    return code;
  };
  const head = ['"use strict";'];
  for (let i = 0; i < sizes.fields; i++) head.push(`const x${i} = x[${i}];`);
  for (let i = 0; i < sizes.pairs; i++) head.push(`const e${i} = e[${i}] === 1;`);
  head.push(
    `let sum = acc[${ACC.SUM}], totalWeight = acc[${ACC.TOTAL_WEIGHT}], used = acc[${ACC.USED}],`,
    `  all = acc[${ACC.ALL}], missing = acc[${ACC.MISSING}], v = 0;`,
  );
  const tail = [
    `acc[${ACC.SUM}] = sum; acc[${ACC.TOTAL_WEIGHT}] = totalWeight; acc[${ACC.USED}] = used;`,
    `acc[${ACC.ALL}] = all; acc[${ACC.MISSING}] = missing;`,
    'return true;',
  ];
  const bodies: string[] = [];
  let lines: string[] = [];
  let grouped = 0;
  for (let t = 0; t < s.roots.length; t++) {
    const before = nodes;
    const root = s.roots[t]!;
    const w = literal(s.weights[t]!);
    const wt = opts.weighted ? w : '1';
    const tree = [
      `v = ${s.test(root)} ? ${answer(root, t, 0)} : NaN;`,
      `all += ${w};`,
      opts.skip
        ? `if (v !== v) missing += ${w}; else { sum += ${wt} * v; totalWeight += ${wt}; used++; }`
        : `if (v !== v) return false; sum += ${wt} * v; totalWeight += ${wt}; used++;`,
    ];
    if (tooDeep) return undefined;
    if (grouped > 0 && grouped + nodes - before > NODES_PER_FUNCTION) {
      bodies.push([...head, ...lines, ...tail].join('\n'));
      lines = [];
      grouped = 0;
    }
    lines.push(...tree);
    grouped += nodes - before;
  }
  if (lines.length > 0) bodies.push([...head, ...lines, ...tail].join('\n'));
  return bodies;
}

/** The functions of `treeCode`'s bodies. */
export const treeGroups = (bodies: readonly string[]): TreeGroup[] =>
  bodies.map((body) => new Function('x', 'e', 'acc', body) as TreeGroup);
