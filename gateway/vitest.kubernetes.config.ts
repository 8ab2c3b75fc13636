import { defineConfig } from 'vitest/config';

/**
 * `npm run test:kubernetes`: the Kubernetes backend against a real control plane (etcd,
 * kube-apiserver, kube-controller-manager, kube-scheduler, and kwok's simulated nodes) that
 * `test/kubernetes/control-plane.setup.ts` starts on 127.0.0.1 for the run and stops after.
 */
export default defineConfig({
  test: {
    include: ['test/kubernetes/**/*.test.ts'],
    globalSetup: ['test/kubernetes/control-plane.setup.ts'],
    // One cluster: the files take turns.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // CI adds the JSON report to its "N passed, N failed" line.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: 'test-results.kubernetes.json' }]]
      : ['default'],
  },
});
