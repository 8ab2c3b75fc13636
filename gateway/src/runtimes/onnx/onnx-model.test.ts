import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OnnxModel } from './onnx-model.js';

const fixture = fileURLToPath(
  new URL('../../../test/fixtures/onnx/classifier_zipmap.onnx', import.meta.url),
);

describe('OnnxModel.open', () => {
  afterEach(() => vi.restoreAllMocks());

  it('opens the session with intra-op threads that do not spin, and the threads a deployment sets', async () => {
    const create = vi.spyOn(ort.InferenceSession, 'create');
    await OnnxModel.open(fixture, { threads: 2 });
    expect(create).toHaveBeenCalledTimes(1);
    expect(create.mock.calls[0]![1]).toMatchObject({
      intraOpNumThreads: 2,
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
  });
});
