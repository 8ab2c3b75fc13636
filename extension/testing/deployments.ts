/** Test support: a deployment as the gateway answers it, for the widget and plugin suites. */
import type { Deployment, DeploymentDetail } from '../../gateway/src/protocol/index.js';

/** The iris classifier, version 1, with its one-time key: what a first publish answers. */
export function irisDeployment(over: Partial<Deployment> = {}): Deployment {
  return {
    name: 'iris',
    version: 1,
    format: 'onnx',
    pool: 'cpu',
    status: 'ready',
    public: false,
    invokeUrl: 'http://gw.test/fn/iris',
    invokeKey: 'sk_secret',
    signature: { inputs: [], outputs: [] },
    curl: "curl -X POST 'http://gw.test/fn/iris'",
    snippets: {
      curl: "curl -X POST 'http://gw.test/fn/iris'",
      python: 'import requests',
      javascript: 'await fetch("http://gw.test/fn/iris")',
    },
    createdAt: '2026-11-22T10:00:00.000Z',
    updatedAt: '2026-11-22T10:00:00.000Z',
    ...over,
  };
}

/**
 * The iris classifier's detail: versions 1 to its live one (the newest), every call to the
 * live version unless `over` sets a split or a shadow.
 */
export function irisDetail(over: Partial<DeploymentDetail> = {}): DeploymentDetail {
  const live = over.version ?? 2;
  return {
    ...irisDeployment({ version: live }),
    versions: Array.from({ length: live }, (_, i) => ({
      version: live - i,
      format: 'onnx' as const,
      artifactSha256: `sha${live - i}`,
      artifactSize: 1,
      live: i === 0,
      createdAt: `2026-11-22T10:0${live - i}:00.000Z`,
    })),
    traffic: null,
    shadow: null,
    ...over,
  };
}
