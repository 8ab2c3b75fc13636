import { afterAll, describe, it } from 'vitest';
import { caseFromFiles, type RuntimeContractCase } from '../../testing/contract.js';
import { mojoRuntimeFactory } from '../index.js';
import { MojoWorker } from '../mojo-worker.js';
import { MOJO_FIXTURES, mojoFixturePath, readExpected } from './fixtures.js';
import { javaForTests, NO_JAVA } from './java.js';

/**
 * The MOJO runtime's cases for the shared contract suite: every fixture, scored by one real JVM
 * worker (stopped after the file's suites). Without Java there are none, and a skipped suite
 * says why. Each case's foreign file is an ONNX model, which must not pass for a MOJO.
 */
export async function mojoContractCases(): Promise<[string, () => Promise<RuntimeContractCase>][]> {
  if (!(await javaForTests())) {
    describe.skip(`runtime contract: mojo — ${NO_JAVA}`, () => it('needs Java', () => {}));
    return [];
  }
  const worker = new MojoWorker({ log: () => {} });
  afterAll(() => worker.stop());
  const factory = mojoRuntimeFactory({ worker });
  return MOJO_FIXTURES.map((name) => [
    `mojo ${name}`,
    async () =>
      caseFromFiles({
        factory,
        artifact: mojoFixturePath(`${name}.zip`),
        expected: mojoFixturePath(`${name}.expected.json`),
        foreignFile: mojoFixturePath('../onnx/regressor_gbr.onnx'),
        // Records with levels the model never saw are served with unknownLevels: "warn".
        config: (await readExpected(name)).config,
      }),
  ]);
}
