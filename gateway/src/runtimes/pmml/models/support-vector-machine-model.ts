import { UnusableArtifactError } from '../../../errors.js';
import { classResult } from '../classification.js';
import { MISSING_RESULT, type CompiledCore, type ModelCompileInput } from '../model-types.js';
import {
  attr,
  enumAttr,
  key,
  numAttr,
  parseArray,
  toType,
  type Env,
  type Getter,
  type Value,
} from '../values.js';
import { child, childrenNamed, type XmlElement } from '../xml.js';

type Kernel = (x: Float64Array, y: Float64Array) => number;

function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

function kernelOf(el: XmlElement): Kernel {
  const k = el.children.find((c) => c.name.endsWith('KernelType'));
  if (!k) throw new UnusableArtifactError('SupportVectorMachineModel has no kernel');
  switch (k.name) {
    case 'LinearKernelType':
      return dot;
    case 'PolynomialKernelType': {
      const gamma = numAttr(k, 'gamma', 1);
      const coef0 = numAttr(k, 'coef0', 1);
      const degree = numAttr(k, 'degree', 1);
      return (x, y) => Math.pow(gamma * dot(x, y) + coef0, degree);
    }
    case 'RadialBasisKernelType': {
      const gamma = numAttr(k, 'gamma', 1);
      return (x, y) => {
        let s = 0;
        for (let i = 0; i < x.length; i++) {
          const d = x[i]! - y[i]!;
          s += d * d;
        }
        return Math.exp(-gamma * s);
      };
    }
    case 'SigmoidKernelType': {
      const gamma = numAttr(k, 'gamma', 1);
      const coef0 = numAttr(k, 'coef0', 1);
      return (x, y) => Math.tanh(gamma * dot(x, y) + coef0);
    }
    default:
      throw new UnusableArtifactError(`${k.name} is not supported`);
  }
}

function readVector(inst: XmlElement, n: number): Float64Array {
  const dense = child(inst, 'Array');
  if (dense) {
    const vals = parseArray(dense, 'double') as number[];
    if (vals.length !== n)
      throw new UnusableArtifactError(
        `VectorInstance "${inst.attrs.id}" has ${vals.length} values, expected ${n}`,
      );
    return Float64Array.from(vals);
  }
  const sparse = child(inst, 'REAL-SparseArray');
  if (!sparse)
    throw new UnusableArtifactError(
      `VectorInstance "${inst.attrs.id}" has no Array or REAL-SparseArray`,
    );
  const out = new Float64Array(n).fill(numAttr(sparse, 'defaultValue', 0));
  const indices = child(sparse, 'Indices')?.text.split(/\s+/).filter(Boolean).map(Number) ?? [];
  const entries =
    child(sparse, 'REAL-Entries')?.text.split(/\s+/).filter(Boolean).map(Number) ?? [];
  if (indices.length !== entries.length)
    throw new UnusableArtifactError(
      `VectorInstance "${inst.attrs.id}": Indices and REAL-Entries differ in length`,
    );
  indices.forEach((ix, i) => {
    if (!(ix >= 1 && ix <= n))
      throw new UnusableArtifactError(
        `VectorInstance "${inst.attrs.id}": index ${ix} out of range`,
      );
    out[ix - 1] = entries[i]!;
  });
  return out;
}

interface Machine {
  /** Indexes into the model's vector list (SupportVectors representation). */
  readonly vectors: Int32Array;
  /** Coefficients per support vector, or per field (Coefficients representation). */
  readonly coefs: Float64Array;
  readonly b: number;
  readonly threshold: number;
  readonly target: Value;
  readonly alternate: Value | undefined;
}

/**
 * SupportVectorMachineModel: f(x) = Σ αᵢ·K(x, svᵢ) + b per machine. Regression answers f;
 * classification is binary (f below the threshold picks targetCategory), one-against-one
 * (each machine votes; probabilities are the shares of the votes) or one-against-all (the
 * machine with the lowest value wins, or the highest with maxWins). Kernel values are computed
 * once per support vector and shared by the machines.
 */
export function compileSupportVectorMachine({
  el,
  scope,
  functionName,
  target,
}: ModelCompileInput): CompiledCore {
  if (functionName === 'clustering')
    throw new UnusableArtifactError(
      'SupportVectorMachineModel with functionName="clustering" is not supported',
    );
  const representation = enumAttr(
    el,
    'svmRepresentation',
    ['SupportVectors', 'Coefficients'],
    'SupportVectors',
  );
  const method = enumAttr(
    el,
    'classificationMethod',
    ['OneAgainstAll', 'OneAgainstOne'],
    'OneAgainstAll',
  );
  const maxWins = el.attrs.maxWins === 'true';
  const modelThreshold = numAttr(el, 'threshold', 0);
  const kernel = kernelOf(el);
  const dict = child(el, 'VectorDictionary');
  const fieldsEl = dict && child(dict, 'VectorFields');
  if (!dict || !fieldsEl)
    throw new UnusableArtifactError(
      'SupportVectorMachineModel has no VectorDictionary/VectorFields',
    );
  const getters: Getter[] = fieldsEl.children
    .filter((c) => c.name !== 'Extension')
    .map((c): Getter => {
      if (c.name === 'FieldRef') return scope.require(attr(c, 'field'), 'VectorFields').get;
      if (c.name === 'CategoricalPredictor') {
        // A one-hot column: the coefficient when the field holds the value, else 0.
        const f = scope.require(attr(c, 'name'), 'VectorFields');
        const k = key(toType(attr(c, 'value'), f.dataType) ?? c.attrs.value!);
        const coef = numAttr(c, 'coefficient', 1);
        const g = f.get;
        return (env) => {
          const v = g(env);
          return v === null ? null : key(v) === k ? coef : 0;
        };
      }
      throw new UnusableArtifactError(`${c.name} in VectorFields is not supported`);
    });
  const n = getters.length;
  const ids = new Map<string, number>();
  const vectors: Float64Array[] = [];
  for (const inst of childrenNamed(dict, 'VectorInstance')) {
    ids.set(attr(inst, 'id'), vectors.length);
    vectors.push(readVector(inst, n));
  }
  const parseCategory = (raw: string | undefined): Value | undefined =>
    raw === undefined ? undefined : (toType(raw, target.dataType) ?? raw);
  const machines: Machine[] = childrenNamed(el, 'SupportVectorMachine').map((m, mi) => {
    const coefsEl = child(m, 'Coefficients');
    if (!coefsEl)
      throw new UnusableArtifactError(`SupportVectorMachine ${mi + 1} has no Coefficients`);
    const coefs = Float64Array.from(childrenNamed(coefsEl, 'Coefficient'), (c) =>
      numAttr(c, 'value', 0),
    );
    let refs = new Int32Array(0);
    if (representation === 'SupportVectors') {
      const svs = childrenNamed(child(m, 'SupportVectors') ?? m, 'SupportVector');
      refs = Int32Array.from(svs, (s) => {
        const i = ids.get(attr(s, 'vectorId'));
        if (i === undefined)
          throw new UnusableArtifactError(
            `SupportVector "${s.attrs.vectorId}" is not in the VectorDictionary`,
          );
        return i;
      });
      if (refs.length !== coefs.length)
        throw new UnusableArtifactError(
          `SupportVectorMachine ${mi + 1}: ${refs.length} support vectors but ${coefs.length} coefficients`,
        );
    } else if (coefs.length !== n) {
      throw new UnusableArtifactError(
        `SupportVectorMachine ${mi + 1}: ${coefs.length} coefficients for ${n} fields`,
      );
    }
    const tc = parseCategory(m.attrs.targetCategory);
    if (functionName === 'classification' && tc === undefined)
      throw new UnusableArtifactError(`SupportVectorMachine ${mi + 1} has no targetCategory`);
    return {
      vectors: refs,
      coefs,
      b: numAttr(coefsEl, 'absoluteValue', 0),
      threshold: numAttr(m, 'threshold', modelThreshold),
      target: tc ?? null,
      alternate: parseCategory(
        m.attrs.alternateTargetCategory ?? el.attrs.alternateBinaryTargetCategory,
      ),
    };
  });
  if (machines.length === 0)
    throw new UnusableArtifactError('SupportVectorMachineModel has no SupportVectorMachine');

  const byVectors = representation === 'SupportVectors';
  const kCache = new Float64Array(vectors.length);
  const decisions = (env: Env): Float64Array | null => {
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = getters[i]!(env);
      if (v === null) return null;
      x[i] = v as number;
    }
    const out = new Float64Array(machines.length);
    if (byVectors) {
      // Only the vectors some machine uses are evaluated; NaN marks "not computed yet".
      kCache.fill(Number.NaN);
      machines.forEach((m, mi) => {
        let f = m.b;
        for (let j = 0; j < m.vectors.length; j++) {
          const vi = m.vectors[j]!;
          let kv = kCache[vi]!;
          if (Number.isNaN(kv)) kCache[vi] = kv = kernel(x, vectors[vi]!);
          f += m.coefs[j]! * kv;
        }
        out[mi] = f;
      });
    } else {
      machines.forEach((m, mi) => (out[mi] = m.b + dot(m.coefs, x)));
    }
    return out;
  };

  if (functionName === 'regression') {
    if (machines.length !== 1)
      throw new UnusableArtifactError(
        'a regression SupportVectorMachineModel must have one SupportVectorMachine',
      );
    return {
      score: (env) => {
        const d = decisions(env);
        return d ? { value: d[0]! } : MISSING_RESULT;
      },
    };
  }
  const categories: Value[] = [...(target.categories ?? [])];
  const known = new Set(categories.map(key));
  const addCategory = (c: Value | undefined) => {
    if (c === undefined || c === null || known.has(key(c))) return;
    known.add(key(c));
    categories.push(c);
  };
  machines.forEach((m) => {
    addCategory(m.target);
    addCategory(m.alternate);
  });
  const index = new Map(categories.map((c, i) => [key(c), i]));
  const wins = (f: number, t: number) => (maxWins ? f > t : f < t);

  if (
    method === 'OneAgainstAll' &&
    !(machines.length === 1 && machines[0]!.alternate !== undefined)
  ) {
    return {
      categories,
      score: (env) => {
        const d = decisions(env);
        if (!d) return MISSING_RESULT;
        let best = 0;
        for (let i = 1; i < d.length; i++)
          if (maxWins ? d[i]! > d[best]! : d[i]! < d[best]!) best = i;
        return { value: machines[best]!.target };
      },
    };
  }
  for (const m of machines)
    if (m.alternate === undefined)
      throw new UnusableArtifactError(
        'a one-against-one SupportVectorMachine needs an alternateTargetCategory',
      );
  const targetIdx = machines.map((m) => index.get(key(m.target))!);
  const altIdx = machines.map((m) => index.get(key(m.alternate!))!);
  return {
    categories,
    score: (env) => {
      const d = decisions(env);
      if (!d) return MISSING_RESULT;
      const votes = new Array<number>(categories.length).fill(0);
      for (let i = 0; i < d.length; i++)
        votes[wins(d[i]!, machines[i]!.threshold) ? targetIdx[i]! : altIdx[i]!]! += 1;
      for (let i = 0; i < votes.length; i++) votes[i]! /= d.length;
      return classResult(categories, votes);
    },
  };
}
