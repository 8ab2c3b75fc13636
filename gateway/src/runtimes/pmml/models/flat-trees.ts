import { sameValue } from '../builtins.js';
import { MISSING_RESULT, type ModelCore } from '../model-types.js';
import type { Comparison } from '../predicates.js';
import { key, type Env, type Getter, type Value } from '../values.js';
import { ACC, literal, treeCode, treeGroups } from './tree-code.js';

/** What a tree does when a predicate is unknown (a missing value): TreeModel's missingValueStrategy. */
export type MissingStrategy = 'none' | 'nullPrediction' | 'lastPrediction' | 'defaultChild';

/** A node's predicate as the flat form takes it: `<True/>`, `<False/>` or a SimplePredicate. */
export type PlainTest = { kind: 'true' } | { kind: 'false' } | { kind: 'compare'; cmp: Comparison };

/** A regression tree's node, as tree-model.ts compiled it (its `score` null: none). */
export interface PlainNode {
  readonly test: PlainTest;
  readonly children: readonly PlainNode[];
  readonly score: number | null;
  /** The child `defaultChild` names, by its index among `children`; -1: none. */
  readonly defaultChild: number;
}

/** A regression tree whose every predicate is plain, and whose answer is its node's score. */
export interface PlainTree {
  readonly root: PlainNode;
  readonly strategy: MissingStrategy;
  /** noTrueChildStrategy="returnLastPrediction". */
  readonly returnLast: boolean;
}

/** How a sum of trees combines them: Segmentation's method and missing-prediction treatment. */
export interface SumOptions {
  readonly weighted: boolean;
  readonly mean: boolean;
  readonly skip: boolean;
  readonly missingThreshold: number;
}

// A node's test. The ordered comparisons come after TRUE and FALSE and before the rest: the hot
// path takes `o <= GREATER_OR_EQUAL` once TRUE and FALSE are out.
const TRUE = 0;
const FALSE = 1;
const LESS_OR_EQUAL = 2;
const LESS_THAN = 3;
const GREATER_THAN = 4;
const GREATER_OR_EQUAL = 5;
const EQUAL = 6;
const NOT_EQUAL = 7;
const IS_MISSING = 8;
const IS_NOT_MISSING = 9;

/** What a field read for the record at hand holds. */
const MISSING = 0;
const NUMBER = 1;
const OTHER = 2;

const STRATEGY = { none: 0, nullPrediction: 1, lastPrediction: 2, defaultChild: 3 } as const;

/**
 * A sum (or average) of regression trees whose segments are all `<True/>`, flattened into arrays:
 * the boosted-tree hot path. Each node is a few numbers (its test, field, threshold, children,
 * score) instead of closures and result objects, each field is read once per record however many
 * nodes test it, and the trees are walked in one loop. A record whose every test is known (no
 * field missing) runs the trees as code instead (tree-code.ts), three times faster still. It answers exactly what the compiled
 * closures answer (tree-model.ts's `score` summed as mining-model.ts's `regressionEnsemble` sums):
 * the same tests in the same order, the same three-valued logic, the same sum in the same order.
 */
export function flatSum(
  trees: readonly { tree: PlainTree; weight: number }[],
  opts: SumOptions,
): ModelCore {
  const getters: Getter[] = [];
  const fieldIndex = new Map<Getter, number>();
  const consts: Value[] = [];
  const constKeys: string[] = [];
  // Per node: its test, the field it reads, its numeric threshold (or its constant's index),
  // its children's span in `kids`, its score (NaN: none) and its default child.
  const op: number[] = [];
  const field: number[] = [];
  const threshold: number[] = [];
  const firstKid: number[] = [];
  const kidCount: number[] = [];
  const score: number[] = [];
  const defaultChild: number[] = [];
  const kids: number[] = [];
  // Each distinct equality test (a field and a constant): decided once per record for the code.
  const pair: number[] = [];
  const pairIndex = new Map<string, number>();
  const pairField: number[] = [];
  const pairConst: number[] = [];
  // The fields an ordered comparison reads: a number in them, or no code for the record.
  const ordered = new Set<number>();

  const add = (n: PlainNode): number => {
    const i = op.length;
    const t = n.test;
    op.push(TRUE);
    field.push(-1);
    threshold.push(0);
    pair.push(-1);
    if (t.kind === 'false') op[i] = FALSE;
    else if (t.kind === 'compare') {
      let f = fieldIndex.get(t.cmp.get);
      if (f === undefined) fieldIndex.set(t.cmp.get, (f = getters.push(t.cmp.get) - 1));
      field[i] = f;
      const cmp = t.cmp;
      if (!('c' in cmp)) op[i] = cmp.op === 'isMissing' ? IS_MISSING : IS_NOT_MISSING;
      else if (cmp.op === 'equal' || cmp.op === 'notEqual') {
        op[i] = cmp.op === 'equal' ? EQUAL : NOT_EQUAL;
        threshold[i] = consts.push(cmp.c) - 1;
        constKeys.push(key(cmp.c));
        const same = `${f}|${typeof cmp.c}|${key(cmp.c)}`;
        let p = pairIndex.get(same);
        if (p === undefined) {
          pairIndex.set(same, (p = pairField.push(f) - 1));
          pairConst.push(threshold[i]!);
        }
        pair[i] = p;
      } else {
        ordered.add(f);
        // Ordered comparisons of text are not flattened (treeOf in tree-model.ts keeps them out).
        op[i] = {
          lessOrEqual: LESS_OR_EQUAL,
          lessThan: LESS_THAN,
          greaterThan: GREATER_THAN,
          greaterOrEqual: GREATER_OR_EQUAL,
        }[cmp.op];
        threshold[i] = cmp.c as number;
      }
    }
    firstKid.push(0);
    kidCount.push(n.children.length);
    score.push(n.score ?? Number.NaN);
    defaultChild.push(-1);
    const childIds = n.children.map(add);
    firstKid[i] = kids.length;
    kids.push(...childIds);
    if (n.defaultChild >= 0) defaultChild[i] = childIds[n.defaultChild]!;
    return i;
  };
  const roots = Int32Array.from(trees.map((t) => add(t.tree.root)));
  const strategies = Int8Array.from(trees.map((t) => STRATEGY[t.tree.strategy]));
  const returnLast = Uint8Array.from(trees.map((t) => (t.tree.returnLast ? 1 : 0)));
  const weights = Float64Array.from(trees.map((t) => t.weight));
  const OP = Int8Array.from(op);
  const FIELD = Int32Array.from(field);
  const THRESHOLD = Float64Array.from(threshold);
  const FIRST = Int32Array.from(firstKid);
  const COUNT = Int32Array.from(kidCount);
  const SCORE = Float64Array.from(score);
  const DEFAULT = Int32Array.from(defaultChild);
  const KIDS = Int32Array.from(kids);

  // Each field's value, read once per record (`readAt` holds the `stamp` of the record it was
  // read for): a number in `num` (typed: the hot comparisons read no boxed value), anything
  // else in `other`, `kind` saying which. Scratch state of the compiled model, shared by its
  // calls: scoring is synchronous, they never interleave.
  const fields = getters.length;
  const num = new Float64Array(fields);
  const kind = new Int8Array(fields);
  const other: Value[] = new Array<Value>(fields).fill(null);
  const readAt = new Int32Array(fields);
  let stamp = 0;
  const load = (env: Env, f: number): void => {
    const v = getters[f]!(env);
    readAt[f] = stamp;
    if (typeof v === 'number') {
      kind[f] = NUMBER;
      num[f] = v;
    } else {
      kind[f] = v === null ? MISSING : OTHER;
      other[f] = v;
    }
  };
  /** Whether field `f` (read, not missing) equals constant `t`. */
  const equals = (f: number, t: number): boolean => {
    const v = kind[f] === NUMBER ? num[f]! : other[f]!;
    const c = consts[t]!;
    return typeof c === 'number' ? v === c || sameValue(v, c) : v === c || key(v) === constKeys[t];
  };
  /** A predicate on a field that is not a number, or not an ordered comparison: 1, 0 or -1. */
  const slowTest = (o: number, f: number, n: number): number => {
    const k = kind[f]!;
    if (o === IS_MISSING) return k === MISSING ? 1 : 0;
    if (o === IS_NOT_MISSING) return k === MISSING ? 0 : 1;
    if (k === MISSING) return -1;
    const v = k === NUMBER ? num[f]! : other[f]!;
    const t = THRESHOLD[n]!;
    switch (o) {
      case LESS_OR_EQUAL:
        return (v as number) <= t ? 1 : 0;
      case LESS_THAN:
        return (v as number) < t ? 1 : 0;
      case GREATER_THAN:
        return (v as number) > t ? 1 : 0;
      case GREATER_OR_EQUAL:
        return (v as number) >= t ? 1 : 0;
      default:
        return equals(f, t) === (o === EQUAL) ? 1 : 0;
    }
  };
  /** The node's predicate: 1 true, 0 false, -1 unknown. */
  const test = (env: Env, n: number): number => {
    const o = OP[n]!;
    if (o === TRUE) return 1;
    if (o === FALSE) return 0;
    const f = FIELD[n]!;
    if (readAt[f] !== stamp) load(env, f);
    if (kind[f] === NUMBER && o <= GREATER_OR_EQUAL) {
      // The hot path: a number against a threshold. Written apart from slowTest's same four
      // comparisons on purpose: only numbers reach these, so V8 keeps them number compares.
      const x = num[f]!;
      const t = THRESHOLD[n]!;
      if (o === LESS_OR_EQUAL) return x <= t ? 1 : 0;
      if (o === LESS_THAN) return x < t ? 1 : 0;
      if (o === GREATER_THAN) return x > t ? 1 : 0;
      return x >= t ? 1 : 0;
    }
    return slowTest(o, f, n);
  };
  /** One tree's answer: its node's score, NaN when it has none (no tree scores NaN: treeOf). */
  const walk = (env: Env, t: number): number => {
    let node = roots[t]!;
    if (test(env, node) !== 1) return Number.NaN;
    const strategy = strategies[t]!;
    for (;;) {
      const count = COUNT[node]!;
      if (count === 0) return SCORE[node]!;
      const first = FIRST[node]!;
      let next = -1;
      for (let k = 0; k < count; k++) {
        const child = KIDS[first + k]!;
        const r = test(env, child);
        if (r === 1) {
          next = child;
          break;
        }
        if (r === -1) {
          if (strategy === STRATEGY.none) continue;
          if (strategy === STRATEGY.nullPrediction) return Number.NaN;
          if (strategy === STRATEGY.lastPrediction) return SCORE[node]!;
          next = DEFAULT[node]!;
          break;
        }
      }
      if (next < 0) return returnLast[t] ? SCORE[node]! : Number.NaN;
      node = next;
    }
  };
  const n = roots.length;
  const { weighted, mean, skip, missingThreshold } = opts;

  // The trees as code (tree-code.ts), for the records whose every test is known: no field
  // missing, a number in each field an ordered comparison reads.
  const PAIR = Int32Array.from(pair);
  const ORDERED_OPS = ['<=', '<', '>', '>='];
  const testCode = (node: number): string => {
    const o = OP[node]!;
    if (o === TRUE || o === IS_NOT_MISSING) return 'true';
    if (o === FALSE || o === IS_MISSING) return 'false';
    if (o === EQUAL || o === NOT_EQUAL) return `${o === EQUAL ? '' : '!'}e${PAIR[node]}`;
    return `x${FIELD[node]} ${ORDERED_OPS[o - LESS_OR_EQUAL]} ${literal(THRESHOLD[node]!)}`;
  };
  const code = treeCode(
    {
      first: FIRST,
      count: COUNT,
      score: SCORE,
      kids: KIDS,
      roots,
      weights,
      returnLast,
      test: testCode,
    },
    { nodes: OP.length, fields, pairs: pairField.length },
    { weighted, skip },
  );
  const groups = code ? treeGroups(code) : [];
  const ORDERED = Uint8Array.from({ length: fields }, (_, f) => (ordered.has(f) ? 1 : 0));
  const eq = new Uint8Array(pairField.length);
  const acc = new Float64Array(5);
  /** Reads every field and decides the equalities: true when every test is known. */
  const loadKnown = (env: Env): boolean => {
    let known = true;
    for (let f = 0; f < fields; f++) {
      try {
        load(env, f);
      } catch {
        // Left unread: the walk reads it again where a tree needs it, and throws there.
        known = false;
        continue;
      }
      const k = kind[f]!;
      if (k === MISSING || (k !== NUMBER && ORDERED[f] === 1)) known = false;
    }
    if (known)
      for (let p = 0; p < eq.length; p++) eq[p] = equals(pairField[p]!, pairConst[p]!) ? 1 : 0;
    return known;
  };
  const byCode = (): { value: number } | typeof MISSING_RESULT => {
    acc.fill(0);
    for (let g = 0; g < groups.length; g++) if (!groups[g]!(num, eq, acc)) return MISSING_RESULT;
    const used = acc[ACC.USED]!;
    const missing = acc[ACC.MISSING]!;
    if (used === 0 || (missing > 0 && missing / acc[ACC.ALL]! > missingThreshold))
      return MISSING_RESULT;
    const sum = acc[ACC.SUM]!;
    return { value: mean ? sum / acc[ACC.TOTAL_WEIGHT]! : sum };
  };

  return (env) => {
    if (stamp === 0x7fffffff) {
      // Wrapped round: no field may look read for this record.
      readAt.fill(0);
      stamp = 0;
    }
    stamp++;
    if (groups.length > 0 && loadKnown(env)) return byCode();
    let sum = 0;
    let totalWeight = 0;
    let used = 0;
    let all = 0;
    let missing = 0;
    for (let t = 0; t < n; t++) {
      const v = walk(env, t);
      const w = weights[t]!;
      all += w;
      if (Number.isNaN(v)) {
        if (!skip) return MISSING_RESULT;
        missing += w;
        continue;
      }
      const wt = weighted ? w : 1;
      sum += wt * v;
      totalWeight += wt;
      used++;
    }
    if (used === 0 || (missing > 0 && missing / all > missingThreshold)) return MISSING_RESULT;
    return { value: mean ? sum / totalWeight : sum };
  };
}
