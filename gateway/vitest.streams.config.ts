import { defineConfig } from 'vitest/config';

/**
 * `npm run test:streams`: Kafka stream bindings against a real Apache Kafka broker (KRaft
 * mode, from its Maven Central jars on the local JDK) that `test/streams/kafka.setup.ts` starts
 * on free loopback ports for the run and stops after.
 */
export default defineConfig({
  test: {
    include: ['test/streams/**/*.test.ts'],
    globalSetup: ['test/streams/kafka.setup.ts'],
    // One broker: the files take turns (each uses topics and groups of its own).
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // CI adds the JSON report to its "N passed, N failed" line.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: 'test-results.streams.json' }]]
      : ['default'],
  },
});
