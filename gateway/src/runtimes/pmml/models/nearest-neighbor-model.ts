import { UnusableArtifactError } from '../../../errors.js';
import type { ModelContext } from '../model.js';
import { MISSING_RESULT, type CompiledCore, type ModelCompileInput } from '../model-types.js';
import {
  attr,
  enumAttr,
  key,
  numAttr,
  toType,
  unusable,
  type Getter,
  type Value,
} from '../values.js';
import { child, childrenNamed, type XmlElement } from '../xml.js';
import { compileDistance } from './distance.js';

/** Output features a NearestNeighborModel answers (the others are refused at publish). */
const FEATURES = new Set([
  'predictedValue',
  'predictedDisplayValue',
  'entityId',
  'transformedValue',
  'decision',
]);

/** A column name as the InlineTable's cells carry it: the parser drops namespace prefixes. */
const localName = (column: string) => column.slice(column.indexOf(':') + 1);

/**
 * The training instances of an InlineTable: per row, its cells by column name (the first of
 * each name), read once, linear in the table's size.
 */
function readRows(instances: XmlElement): Map<string, string>[] {
  if (child(instances, 'TableLocator'))
    throw unusable(instances, 'TrainingInstances with a TableLocator is not supported');
  const table = child(instances, 'InlineTable');
  if (!table) throw unusable(instances, 'TrainingInstances has no InlineTable');
  return childrenNamed(table, 'row').map((row) => {
    const cells = new Map<string, string>();
    for (const c of row.children) if (!cells.has(c.name)) cells.set(c.name, c.text);
    return cells;
  });
}

/**
 * NearestNeighborModel (k-nearest neighbours, as sklearn2pmml writes KNeighborsClassifier and
 * KNeighborsRegressor): the k training instances nearest the record by the ComparisonMeasure
 * (earlier instances first on equal distances) decide by majority vote or weighted majority vote
 * (classification), or by average, median or weighted average (regression); weights are
 * 1/(distance + threshold). Entity ids are the instanceIdVariable's values, else the 1-based row
 * numbers, answered by rank. A missing input is left out, the distance scaled up as for a
 * ClusteringModel. Finding the neighbours is linear in the number of instances (k kept in a small sorted list).
 */
export function compileNearestNeighbor({
  el,
  scope,
  ctx,
  functionName,
  target,
}: ModelCompileInput): CompiledCore {
  if (functionName === 'clustering')
    throw new UnusableArtifactError(
      'NearestNeighborModel with functionName="clustering" is not supported',
    );
  const k = numAttr(el, 'numberOfNeighbors');
  if (!(Number.isInteger(k) && k >= 1))
    throw new UnusableArtifactError(
      `NearestNeighborModel: numberOfNeighbors="${k}" is not a positive integer`,
    );
  const continuous = enumAttr(
    el,
    'continuousScoringMethod',
    ['average', 'median', 'weightedAverage'],
    'average',
  );
  const categorical = enumAttr(
    el,
    'categoricalScoringMethod',
    ['majorityVote', 'weightedMajorityVote'],
    'majorityVote',
  );
  const threshold = numAttr(el, 'threshold', 0.001);
  for (const of of childrenNamed(child(el, 'Output') ?? el, 'OutputField'))
    if (!FEATURES.has(of.attrs.feature ?? 'predictedValue'))
      throw unusable(
        of,
        `OutputField "${of.attrs.name}": feature="${of.attrs.feature}" of a NearestNeighborModel is not supported`,
      );

  const inputsEl = child(el, 'KNNInputs');
  const inputs = inputsEl ? childrenNamed(inputsEl, 'KNNInput') : [];
  if (inputs.length === 0) throw new UnusableArtifactError('NearestNeighborModel has no KNNInputs');
  for (const i of inputs)
    if ((i.attrs.compareFunction ?? 'absDiff') !== 'absDiff')
      throw unusable(
        i,
        `KNNInput "${i.attrs.field}": compareFunction="${i.attrs.compareFunction}" is not supported`,
      );
  const fields = inputs.map((i) => attr(i, 'field'));
  const getters: Getter[] = fields.map((f) => scope.require(f, 'KNNInput').get);
  const weights = Float64Array.from(inputs, (i) => numAttr(i, 'fieldWeight', 1));
  const distance = compileDistance(child(el, 'ComparisonMeasure'), weights, 'NearestNeighborModel');

  const instances = child(el, 'TrainingInstances');
  if (!instances) throw new UnusableArtifactError('NearestNeighborModel has no TrainingInstances');
  // Untransformed instances would need the local transformations run on each of them.
  if (instances.attrs.isTransformed !== 'true')
    for (const f of fields)
      if (!(ctx as ModelContext).dataFields.has(f))
        throw unusable(
          instances,
          `TrainingInstances isTransformed="false" with KNNInput "${f}", a derived field, is not supported`,
        );
  const columns = new Map<string, string>();
  for (const f of childrenNamed(child(instances, 'InstanceFields') ?? instances, 'InstanceField'))
    columns.set(attr(f, 'field'), localName(f.attrs.column ?? attr(f, 'field')));
  const columnOf = (field: string) => {
    const c = columns.get(field);
    if (c === undefined)
      throw unusable(instances, `TrainingInstances has no InstanceField for "${field}"`);
    return c;
  };
  const idVariable = el.attrs.instanceIdVariable;
  if (target.name === undefined)
    throw new UnusableArtifactError('NearestNeighborModel has no target field');
  const targetColumn = columnOf(target.name);
  const inputColumns = fields.map(columnOf);
  const idColumn = idVariable === undefined ? undefined : columnOf(idVariable);

  const rows = readRows(instances);
  if (rows.length < k)
    throw new UnusableArtifactError(
      `NearestNeighborModel has ${rows.length} instances, fewer than numberOfNeighbors=${k}`,
    );
  const n = fields.length;
  const points: Float64Array[] = [];
  const ys: Value[] = [];
  const ids: Value[] = [];
  rows.forEach((cells, r) => {
    const cell = (c: string) => {
      const t = cells.get(c);
      if (t === undefined || t === '')
        throw new UnusableArtifactError(`training instance ${r + 1} has no value in column "${c}"`);
      return t;
    };
    points.push(
      Float64Array.from(inputColumns, (c) => {
        const v = Number(cell(c));
        if (!Number.isFinite(v))
          throw new UnusableArtifactError(
            `training instance ${r + 1}: "${cells.get(c)}" in column "${c}" is not a number`,
          );
        return v;
      }),
    );
    const y = toType(cell(targetColumn), target.dataType);
    if (y === undefined || y === null)
      throw new UnusableArtifactError(
        `training instance ${r + 1}: "${cells.get(targetColumn)}" is not a valid ${target.dataType} target`,
      );
    ys.push(y);
    ids.push(idColumn === undefined ? String(r + 1) : cell(idColumn));
  });

  /** A record's values: which are present, and the missing-value adjustment (n / present). */
  interface Query {
    readonly x: Float64Array;
    readonly present: Uint8Array;
    readonly adjust: number;
  }
  /** Indexes of the k nearest instances, nearest first, and their distances. */
  const nearest = ({ x, present, adjust }: Query): { idx: Int32Array; dist: Float64Array } => {
    const idx = new Int32Array(k).fill(-1);
    const dist = new Float64Array(k).fill(Number.POSITIVE_INFINITY);
    for (let r = 0; r < points.length; r++) {
      const d = distance(x, present, adjust, points[r]!);
      if (!(d < dist[k - 1]!) && idx[k - 1] !== -1) continue;
      let j = k - 1;
      while (j > 0 && (d < dist[j - 1]! || idx[j - 1] === -1)) {
        dist[j] = dist[j - 1]!;
        idx[j] = idx[j - 1]!;
        j--;
      }
      dist[j] = d;
      idx[j] = r;
    }
    return { idx, dist };
  };
  // A missing input is left out and the distance scaled by n / (inputs present), as
  // JPMML-Evaluator does; a record with no input present has no prediction.
  const read = (env: Parameters<Getter>[0]): Query | null => {
    const x = new Float64Array(n);
    const present = new Uint8Array(n);
    let count = 0;
    for (let i = 0; i < n; i++) {
      const v = getters[i]!(env);
      if (v === null) continue;
      x[i] = v as number;
      present[i] = 1;
      count++;
    }
    return count === 0 ? null : { x, present, adjust: n / count };
  };
  const weightOf = (d: number) => 1 / (d + threshold);

  if (functionName === 'regression') {
    return {
      score: (env) => {
        const x = read(env);
        if (!x) return MISSING_RESULT;
        const { idx, dist } = nearest(x);
        const y = Array.from(idx, (i) => ys[i] as number);
        let value: number;
        if (continuous === 'median') {
          y.sort((a, b) => a - b);
          value = k % 2 ? y[(k - 1) / 2]! : (y[k / 2 - 1]! + y[k / 2]!) / 2;
        } else if (continuous === 'weightedAverage') {
          let s = 0;
          let w = 0;
          for (let j = 0; j < k; j++) {
            const wj = weightOf(dist[j]!);
            s += wj * y[j]!;
            w += wj;
          }
          value = s / w;
        } else value = y.reduce((a, b) => a + b, 0) / k;
        return { value, entityId: ids[idx[0]!]!, entityIds: Array.from(idx, (i) => ids[i]!) };
      },
    };
  }
  const categories: Value[] = [...(target.categories ?? [])];
  const order = new Map(categories.map((c, i) => [key(c), i]));
  for (const y of ys)
    if (!order.has(key(y))) {
      order.set(key(y), categories.length);
      categories.push(y);
    }
  const weighted = categorical === 'weightedMajorityVote';
  // A tie goes to the smallest category (numbers by value, text by UTF-16 code units), as
  // JPMML-Evaluator breaks it (hand_knn_vote), whatever the categories' order in the document.
  const before = (a: number, b: number) => categories[a]! < categories[b]!;
  return {
    categories,
    score: (env) => {
      const x = read(env);
      if (!x) return MISSING_RESULT;
      const { idx, dist } = nearest(x);
      const votes = new Float64Array(categories.length);
      for (let j = 0; j < k; j++)
        votes[order.get(key(ys[idx[j]!]!))!] += weighted ? weightOf(dist[j]!) : 1;
      let best = 0;
      for (let c = 1; c < votes.length; c++)
        if (votes[c]! > votes[best]! || (votes[c] === votes[best] && before(c, best))) best = c;
      return {
        value: categories[best]!,
        entityId: ids[idx[0]!]!,
        entityIds: Array.from(idx, (i) => ids[i]!),
      };
    },
  };
}
