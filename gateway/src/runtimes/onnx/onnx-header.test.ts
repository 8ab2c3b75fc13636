import { readFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { onnxRuntimeFactory } from './index.js';
import { looksLikeOnnx } from './onnx-header.js';

const { onnx } = onnxProto;
const fixtures = new URL('../../../test/fixtures/', import.meta.url);
const head = async (path: string) => (await readFile(new URL(path, fixtures))).subarray(0, 4096);
const ONNX = ['classifier_zipmap', 'classifier_nozipmap', 'regressor_gbr', 'mixed_columns'];

describe('looksLikeOnnx', () => {
  it.each(ONNX)('recognises %s from its bytes alone', async (name) => {
    expect(looksLikeOnnx(await head(`onnx/${name}.onnx`))).toBe(true);
  });

  it('recognises a model whose doc string pushes the graph past the head', () => {
    const bytes = onnx.ModelProto.encode(
      onnx.ModelProto.create({ irVersion: 8, docString: 'x'.repeat(10_000), graph: { name: 'g' } }),
    ).finish();
    expect(looksLikeOnnx(bytes.subarray(0, 4096))).toBe(true);
  });

  it.each([
    ['toy JSON', () => head('toy/sum.toy.json')],
    ['PMML', () => head('pmml/s2p_decision_tree.pmml')],
    ['a notebook', () => head('notebooks/trivial.ipynb')],
    ['a pickle', async () => Buffer.from([0x80, 0x04, 0x95, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x8c])],
    ['a zip (MOJO)', async () => Buffer.from('PK\x03\x04\x14\x00\x00\x00\x08\x00', 'latin1')],
    ['nothing', async () => new Uint8Array(0)],
    ['ir_version 0', async () => Uint8Array.from([0x08, 0x00, 0x12, 0x01, 0x61, 0x3a, 0x00])],
    ['0x08 then garbage', async () => Uint8Array.from([0x08, 0x07, 0xff, 0xff, 0xff, 0x01, 0x02])],
    ['a wrong wire type for a known field', async () => Uint8Array.from([0x08, 0x07, 0x10, 0x01])],
    ['ir_version alone', async () => Uint8Array.from([0x08, 0x07])],
  ])('rejects %s', async (_what, bytes) => {
    expect(looksLikeOnnx(await bytes())).toBe(false);
  });
});

describe('onnxRuntimeFactory.detect', () => {
  const factory = onnxRuntimeFactory();
  it('claims a .onnx name whatever the bytes, and ONNX bytes whatever the name', async () => {
    expect(factory.detect({ head: new Uint8Array(0), filename: 'Model.ONNX' })).toBe(true);
    const bytes = await head('onnx/regressor_gbr.onnx');
    expect(factory.detect({ head: bytes, filename: 'model.bin' })).toBe(true);
    expect(factory.detect({ head: bytes })).toBe(true);
  });

  it('leaves other files alone', async () => {
    const toy = await head('toy/sum.toy.json');
    expect(factory.detect({ head: toy, filename: 'sum.toy.json' })).toBe(false);
    expect(factory.detect({ head: toy })).toBe(false);
  });
});
