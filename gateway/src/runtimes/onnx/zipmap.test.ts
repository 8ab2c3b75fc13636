import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { unzipMapOutputs } from './zipmap.js';

const fixture = (n: string) =>
  readFile(new URL(`../../../test/fixtures/onnx/${n}.onnx`, import.meta.url));

describe('unzipMapOutputs', () => {
  it('turns the ZipMap output into a probability tensor and keeps the class labels', async () => {
    const original = await fixture('classifier_zipmap');
    const before = await ort.InferenceSession.create(original);
    expect(before.outputMetadata.find((m) => m.name === 'output_probability')?.isTensor).toBe(
      false,
    );
    const rewritten = unzipMapOutputs(original)!;
    expect(rewritten.labels).toEqual(new Map([['output_probability', [0, 1, 2]]]));
    const after = await ort.InferenceSession.create(rewritten.bytes);
    const meta = after.outputMetadata.find((m) => m.name === 'output_probability');
    expect(meta).toMatchObject({ isTensor: true, type: 'float32' });
    const out = await after.run({
      X: new ort.Tensor('float32', Float32Array.from([5.1, 3.5, 1.4, 0.2]), [1, 4]),
    });
    const probs = Array.from(out.output_probability!.data as Float32Array);
    expect(probs).toHaveLength(3);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    // The label computed by the same graph agrees with the largest probability.
    expect(Number((out.output_label!.data as BigInt64Array)[0])).toBe(
      probs.indexOf(Math.max(...probs)),
    );
    await before.release();
    await after.release();
  });

  it('keeps string labels', async () => {
    const rewritten = unzipMapOutputs(await fixture('mixed_columns'))!;
    expect(rewritten.labels.get('output_probability')).toEqual(['churn', 'stay']);
  });

  it('leaves a model without ZipMap alone', async () => {
    expect(unzipMapOutputs(await fixture('classifier_nozipmap'))).toBeUndefined();
    expect(unzipMapOutputs(await fixture('regressor_gbr'))).toBeUndefined();
  });
});
