import { fileURLToPath } from 'node:url';
import { mojoContractCases } from './mojo/testing/contract-cases.js';
import { onnxRuntimeFactory } from './onnx/index.js';
import { pickleContractCases } from './pickle/testing/contract-cases.js';
import { caseFromFiles, runtimeContract, type RuntimeContractCase } from './testing/contract.js';
import { toyRuntimeFactory } from './testing/toy-runtime.js';

// The contract itself lives in ./testing/contract.ts; this file only lists the cases. A new
// runtime adds its fixtures here (each with a file of another format that it must not claim).

const fixture = (p: string) => fileURLToPath(new URL(`../../test/fixtures/${p}`, import.meta.url));

const cases: [string, () => Promise<RuntimeContractCase>][] = [
  ...[
    'classifier_zipmap',
    'classifier_nozipmap',
    'regressor_gbr',
    'mixed_columns',
    // An image input, built with onnx.helper (test/fixtures/onnx/make_image_onnx.py).
    'image_grey',
    // Spark ML pipelines converted by onnxmltools (test/fixtures/onnx/make_spark_onnx.py).
    'spark_logistic',
    'spark_gbt_classifier',
    'spark_random_forest',
    'spark_linear_regression',
  ].map((model): [string, () => Promise<RuntimeContractCase>] => [
    `onnx ${model}`,
    () =>
      caseFromFiles({
        factory: onnxRuntimeFactory(),
        artifact: fixture(`onnx/${model}.onnx`),
        expected: fixture(`onnx/${model}.expected.json`),
        foreignFile: fixture('toy/sum.toy.json'),
      }),
  ]),
  [
    'toy sum (the route tests’ model)',
    () =>
      caseFromFiles({
        factory: toyRuntimeFactory(),
        artifact: fixture('toy/sum.toy.json'),
        expected: fixture('toy/sum.expected.json'),
        foreignFile: fixture('onnx/regressor_gbr.onnx'),
      }),
  ],
];

// Pickles need the Python worker's venv (npm test makes it); without it they are skipped.
cases.push(...(await pickleContractCases()));

// MOJOs need Java 11+ and the JVM worker's jar (npm test builds it); without them, skipped.
cases.push(...(await mojoContractCases()));

for (const [name, makeCase] of cases) runtimeContract(name, makeCase);
