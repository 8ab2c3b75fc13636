/** Test support: a deployment as the gateway answers it, for the widget and plugin suites. */
import type { Deployment } from '../../gateway/src/protocol/index.js';

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
    createdAt: '2026-11-22T10:00:00.000Z',
    updatedAt: '2026-11-22T10:00:00.000Z',
    ...over,
  };
}
