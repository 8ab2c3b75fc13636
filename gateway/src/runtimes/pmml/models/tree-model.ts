import { UnusableArtifactError } from '../../../errors.js';
import { classResult } from '../classification.js';
import {
  MISSING_RESULT,
  type CompiledCore,
  type ModelCompileInput,
  type ModelResult,
} from '../model-types.js';
import { comparisonOf, compilePredicate, predicateChild, type Predicate } from '../predicates.js';
import type { MissingStrategy, PlainNode, PlainTest } from './flat-trees.js';
import { enumAttr, key, numAttr, toType, unusable, type Env, type Value } from '../values.js';
import { childrenNamed, type XmlElement } from '../xml.js';

interface TreeNode {
  readonly predicate: Predicate;
  readonly children: TreeNode[];
  /** What the tree answers when it stops here (shared between records: never mutated). */
  readonly result: ModelResult;
  readonly id: string | undefined;
  /** Whether the Node has a score attribute (returnLastPrediction answers only such a node). */
  readonly hasScore: boolean;
  defaultChild: TreeNode | undefined;
  readonly defaultChildId: string | undefined;
  /** The node as flat-trees.ts takes it; undefined when a predicate or score cannot be flattened. */
  readonly plain: PlainNode | undefined;
}

const NODE_CHILDREN = new Set([
  'Extension',
  'SimplePredicate',
  'CompoundPredicate',
  'SimpleSetPredicate',
  'True',
  'False',
  'Partition',
  'ScoreDistribution',
  'Node',
]);

const STRATEGIES: readonly string[] = ['none', 'nullPrediction', 'lastPrediction', 'defaultChild'];

/**
 * TreeModel: a decision tree compiled into linked nodes with compiled predicates. Scoring walks
 * from the root with the model's missingValueStrategy and noTrueChildStrategy, as JPMML-Evaluator
 * 1.7.7 does: defaultChild follows the named child without testing its predicate, and needs
 * every Node with children to name one; every leaf needs a score, and with lastPrediction every
 * other Node too (the reference predicts a node's score, never its distribution's argmax);
 * returnLastPrediction answers the node reached only when it has a score. aggregateNodes and weightedConfidence are refused (JPMML implements neither).
 */
export function compileTree({ el, scope, functionName, target }: ModelCompileInput): CompiledCore {
  const strategyName = el.attrs.missingValueStrategy ?? 'none';
  if (!STRATEGIES.includes(strategyName))
    throw unusable(
      el,
      `TreeModel missingValueStrategy="${strategyName}" is not supported (supported: ${STRATEGIES.join(', ')})`,
    );
  const strategy = strategyName as MissingStrategy;
  const noTrueChild = enumAttr(
    el,
    'noTrueChildStrategy',
    ['returnNullPrediction', 'returnLastPrediction'],
    'returnNullPrediction',
  );
  if (functionName === 'clustering')
    throw new UnusableArtifactError('TreeModel with functionName="clustering" is not supported');
  const rootEl = childrenNamed(el, 'Node')[0];
  if (!rootEl) throw new UnusableArtifactError('TreeModel has no Node');
  const categories = target.categories ?? collectCategories(rootEl, target.dataType);
  const classify = functionName === 'classification';
  const categoryKeys = new Set(categories.map(key));
  const byId = new Map<string, TreeNode>();

  const compileNode = (n: XmlElement): TreeNode => {
    const id = n.attrs.id;
    const where = `Node${id === undefined ? '' : ` "${id}"`}`;
    for (const c of n.children)
      if (!NODE_CHILDREN.has(c.name))
        throw new UnusableArtifactError(`${c.name} in TreeModel ${where} is not supported`);
    const predicateEl = predicateChild(n, where);
    const predicate = compilePredicate(predicateEl, scope, where);
    const children = childrenNamed(n, 'Node').map(compileNode);
    // The reference evaluator predicts a node's score, never its distribution's most likely
    // category: stopping at an inner node without one fails there.
    if (children.length === 0 && n.attrs.score === undefined)
      throw unusable(n, `${where} is a leaf without a score`);
    if (strategy === 'lastPrediction' && children.length > 0 && n.attrs.score === undefined)
      throw unusable(
        n,
        `${where} has no score, which missingValueStrategy="lastPrediction" may answer`,
      );
    const result = classify
      ? classNodeResult(n, categories, categoryKeys, target.dataType, where)
      : regressionNodeResult(n);
    const test = classify ? undefined : plainTest(predicateEl, scope, where);
    const value = result.value;
    const plain =
      test &&
      children.every((c) => c.plain) &&
      (value === null || (typeof value === 'number' && !Number.isNaN(value)))
        ? {
            test,
            children: children.map((c) => c.plain!),
            score: value,
            defaultChild: children.findIndex(
              (c) => c.id !== undefined && c.id === n.attrs.defaultChild,
            ),
          }
        : undefined;
    const node: TreeNode = {
      predicate,
      children,
      result: id === undefined ? result : { ...result, entityId: id },
      id,
      hasScore: n.attrs.score !== undefined,
      defaultChild: undefined,
      defaultChildId: n.attrs.defaultChild,
      plain,
    };
    if (id !== undefined) byId.set(id, node);
    return node;
  };
  const root = compileNode(rootEl);
  if (strategy === 'defaultChild') {
    const link = (n: TreeNode, nodeEl: XmlElement) => {
      if (n.children.length > 0 && n.defaultChildId === undefined)
        throw unusable(
          nodeEl,
          `Node${n.id === undefined ? '' : ` "${n.id}"`} has children but no defaultChild, which missingValueStrategy="defaultChild" needs`,
        );
      if (n.defaultChildId !== undefined) {
        const d = n.children.find((c) => c.id === n.defaultChildId);
        if (!d)
          throw new UnusableArtifactError(
            `Node "${n.id}": defaultChild "${n.defaultChildId}" is not one of its children`,
          );
        n.defaultChild = d;
      }
      const kids = childrenNamed(nodeEl, 'Node');
      n.children.forEach((c, i) => link(c, kids[i]!));
    };
    link(root, rootEl);
  }
  const returnLast = noTrueChild === 'returnLastPrediction';

  const score = (env: Env): ModelResult => {
    if (root.predicate(env) !== true) return MISSING_RESULT;
    let node = root;
    for (;;) {
      const kids = node.children;
      if (kids.length === 0) return node.result;
      let next: TreeNode | undefined;
      for (let i = 0; i < kids.length; i++) {
        const r = kids[i]!.predicate(env);
        if (r === true) {
          next = kids[i];
          break;
        }
        if (r === null) {
          if (strategy === 'none') continue;
          if (strategy === 'nullPrediction') return MISSING_RESULT;
          if (strategy === 'lastPrediction') return node.result;
          // defaultChild: carry on down the child the model names (every inner node names one).
          next = node.defaultChild!;
          break;
        }
      }
      if (!next) return returnLast && node.hasScore ? node.result : MISSING_RESULT;
      node = next;
    }
  };
  if (classify) return { score, categories };
  return root.plain ? { score, plainTree: { root: root.plain, strategy, returnLast } } : { score };
}

/**
 * A node's predicate as flat-trees.ts takes it, or undefined for what it does not flatten
 * (compound and set predicates, ordered comparisons of text): the tree then stays closures.
 */
function plainTest(
  el: XmlElement,
  scope: ModelCompileInput['scope'],
  where: string,
): PlainTest | undefined {
  if (el.name === 'True') return { kind: 'true' };
  if (el.name === 'False') return { kind: 'false' };
  if (el.name !== 'SimplePredicate') return undefined;
  const cmp = comparisonOf(el, scope, where);
  if ('c' in cmp && cmp.op !== 'equal' && cmp.op !== 'notEqual' && typeof cmp.c !== 'number')
    return undefined;
  return { kind: 'compare', cmp };
}

function regressionNodeResult(n: XmlElement): ModelResult {
  // A node without a score (an inner node of a compacted tree) predicts nothing itself.
  return { value: n.attrs.score === undefined ? null : numAttr(n, 'score') };
}

function classNodeResult(
  n: XmlElement,
  categories: readonly Value[],
  categoryKeys: ReadonlySet<string>,
  dataType: Parameters<typeof toType>[1],
  where: string,
): ModelResult {
  const dist = childrenNamed(n, 'ScoreDistribution');
  const score =
    n.attrs.score === undefined ? null : (toType(n.attrs.score, dataType) ?? n.attrs.score);
  if (dist.length === 0) {
    if (score === null) return { value: null };
    return { value: score, probabilities: new Map([[key(score), 1]]) };
  }
  const counts = new Map<string, number>();
  let total = 0;
  let explicit = true;
  for (const d of dist) {
    const v = toType(d.attrs.value ?? '', dataType) ?? d.attrs.value ?? '';
    const count = numAttr(d, 'recordCount', 0);
    total += count;
    if (d.attrs.probability === undefined) explicit = false;
    counts.set(key(v), d.attrs.probability !== undefined ? numAttr(d, 'probability') : count);
  }
  const probs = categories.map((c) => {
    const x = counts.get(key(c)) ?? 0;
    return explicit ? x : total > 0 ? x / total : 0;
  });
  for (const k of counts.keys())
    if (!categoryKeys.has(k))
      throw new UnusableArtifactError(
        `${where}: ScoreDistribution value "${k}" is not a category of the target`,
      );
  const r = classResult(categories, probs);
  // The node's own score wins over the distribution's argmax when the document gives one.
  return score === null ? r : { ...r, value: score };
}

function collectCategories(root: XmlElement, dataType: Parameters<typeof toType>[1]): Value[] {
  const seen = new Map<string, Value>();
  const walk = (n: XmlElement) => {
    for (const d of childrenNamed(n, 'ScoreDistribution')) {
      const v = toType(d.attrs.value ?? '', dataType) ?? d.attrs.value ?? '';
      if (!seen.has(key(v))) seen.set(key(v), v);
    }
    if (n.attrs.score !== undefined) {
      const v = toType(n.attrs.score, dataType) ?? n.attrs.score;
      if (!seen.has(key(v))) seen.set(key(v), v);
    }
    childrenNamed(n, 'Node').forEach(walk);
  };
  walk(root);
  return [...seen.values()];
}
