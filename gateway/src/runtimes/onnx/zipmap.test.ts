import { readFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterEach, describe, expect, it } from 'vitest';
import { traceClassLabels } from './class-labels.js';
import { prepareModel } from './prepare-model.js';
import { unzipMapOutputs } from './zipmap.js';

const { onnx } = onnxProto;
const fixture = (n: string) =>
  readFile(new URL(`../../../test/fixtures/onnx/${n}.onnx`, import.meta.url));

const sessions: ort.InferenceSession[] = [];
const open = async (bytes: Uint8Array) => {
  const s = await ort.InferenceSession.create(bytes);
  sessions.push(s);
  return s;
};
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.release();
});

describe('unzipMapOutputs', () => {
  it('turns the ZipMap output into a probability tensor under the same name', async () => {
    const original = await fixture('classifier_zipmap');
    const before = await open(original);
    expect(before.outputMetadata.find((m) => m.name === 'output_probability')?.isTensor).toBe(
      false,
    );
    const model = onnx.ModelProto.decode(original);
    expect(unzipMapOutputs(model.graph!)).toEqual(new Map([['output_probability', [0, 1, 2]]]));
    expect(model.graph!.node!.map((n) => n.opType)).not.toContain('ZipMap');
    const after = await open(onnx.ModelProto.encode(model).finish());
    expect(after.outputMetadata.find((m) => m.name === 'output_probability')).toMatchObject({
      isTensor: true,
      type: 'float32',
      shape: ['', 3],
    });
    const out = await after.run({
      X: new ort.Tensor(
        'float32',
        Float32Array.from([5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3]),
        [2, 4],
      ),
    });
    const probs = Array.from(out.output_probability!.data as Float32Array);
    expect(out.output_probability!.dims).toEqual([2, 3]);
    for (const row of [probs.slice(0, 3), probs.slice(3)]) {
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    // The labels the same graph computes agree with each row's largest probability: the
    // exposed tensor is ZipMap's input, columns in class order.
    const labels = Array.from(out.output_label!.data as BigInt64Array, Number);
    expect(labels).toEqual([0, 2]);
    expect(probs.slice(0, 3).indexOf(Math.max(...probs.slice(0, 3)))).toBe(0);
    expect(probs.slice(3).indexOf(Math.max(...probs.slice(3)))).toBe(2);
  });

  it('keeps string labels', async () => {
    const model = onnx.ModelProto.decode(await fixture('mixed_columns'));
    expect(unzipMapOutputs(model.graph!).get('output_probability')).toEqual(['churn', 'stay']);
  });

  it('leaves a graph without ZipMap alone', async () => {
    for (const name of ['classifier_nozipmap', 'regressor_gbr']) {
      const bytes = await fixture(name);
      const model = onnx.ModelProto.decode(bytes);
      expect(unzipMapOutputs(model.graph!).size).toBe(0);
      expect(model.toJSON()).toEqual(onnx.ModelProto.decode(bytes).toJSON());
    }
  });
});

describe('traceClassLabels', () => {
  it('finds the classes of a classifier exported without ZipMap, through its Normalizer', async () => {
    const model = onnx.ModelProto.decode(await fixture('classifier_nozipmap'));
    expect(traceClassLabels(model.graph!)).toEqual(
      new Map([['probabilities', ['setosa', 'versicolor', 'virginica']]]),
    );
  });

  it('labels no output of a regressor, and not the label output of a classifier', async () => {
    expect(
      traceClassLabels(onnx.ModelProto.decode(await fixture('regressor_gbr')).graph!).size,
    ).toBe(0);
    const labels = traceClassLabels(
      onnx.ModelProto.decode(await fixture('classifier_nozipmap')).graph!,
    );
    expect(labels.has('label')).toBe(false);
  });
});

describe('prepareModel', () => {
  it('rewrites a ZipMap model in memory and leaves the artifact bytes untouched', async () => {
    const original = await fixture('classifier_zipmap');
    const copy = Buffer.from(original);
    const prepared = prepareModel(original);
    expect(prepared.unzipped).toEqual(['output_probability']);
    expect(prepared.labels.get('output_probability')).toEqual([0, 1, 2]);
    expect(Buffer.from(prepared.bytes).equals(original)).toBe(false);
    expect(original.equals(copy)).toBe(true);
  });

  it('passes through models it need not rewrite, and bytes that are no model', async () => {
    const nozip = await fixture('classifier_nozipmap');
    const prepared = prepareModel(nozip);
    expect(prepared.bytes).toBe(nozip);
    expect(prepared.unzipped).toEqual([]);
    expect(prepared.labels.get('probabilities')).toHaveLength(3);
    const junk = Buffer.from('ZipMap Classifier, but not protobuf: \u00ff\u00ff\u00ff\u00ff');
    expect(prepareModel(junk)).toEqual({ bytes: junk, labels: new Map(), unzipped: [] });
  });
});
