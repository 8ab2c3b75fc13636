import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { onnxRuntimeFactory } from './onnx/index.js';
import { runtimeContract, type RuntimeContractCase } from './testing/contract.js';
import { toyRuntimeFactory } from './testing/toy-runtime.js';

const fixture = (p: string) => fileURLToPath(new URL(`../../test/fixtures/${p}`, import.meta.url));

async function fromExpected(
  factory: RuntimeContractCase['factory'],
  artifact: string,
  expected: string,
  foreignFile: string,
): Promise<RuntimeContractCase> {
  const e = JSON.parse(await readFile(expected, 'utf8'));
  return {
    factory,
    artifact,
    records: e.records,
    predictions: e.predictions,
    tolerance: e.tolerance,
    foreignFile,
  };
}

for (const model of [
  'classifier_zipmap',
  'classifier_nozipmap',
  'regressor_gbr',
  'mixed_columns',
]) {
  runtimeContract(`onnx ${model}`, () =>
    fromExpected(
      onnxRuntimeFactory,
      fixture(`onnx/${model}.onnx`),
      fixture(`onnx/${model}.expected.json`),
      fixture('toy/sum.toy.json'),
    ),
  );
}

runtimeContract('toy sum (the route tests’ model)', () =>
  fromExpected(
    toyRuntimeFactory(),
    fixture('toy/sum.toy.json'),
    fixture('toy/sum.expected.json'),
    fixture('onnx/regressor_gbr.onnx'),
  ),
);
