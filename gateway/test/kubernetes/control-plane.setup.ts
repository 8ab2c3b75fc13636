import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The admin kubeconfig of the control plane started for this run. */
    kubeconfig: string;
  }
}

const script = fileURLToPath(
  new URL('../../../scripts/kubernetes/control-plane.sh', import.meta.url),
);
const run = promisify(execFile);

/**
 * One fake node of each pool kind, managed by kwok: `cpu` (8 CPU, 32 GiB); `highmem` (256 GiB,
 * labelled and tainted so only what tolerates it lands there); `gpu` (2 `nvidia.com/gpu`,
 * labelled and tainted the way GPU nodes are).
 */
export const NODES: V1Node[] = [
  node('kwok-cpu', { cpu: '8', memory: '32Gi' }, {}, []),
  node('kwok-highmem', { cpu: '32', memory: '256Gi' }, { 'node-type': 'highmem' }, [
    { key: 'dedicated', value: 'highmem', effect: 'NoSchedule' },
  ]),
  node(
    'kwok-gpu',
    { cpu: '16', memory: '64Gi', 'nvidia.com/gpu': '2' },
    { accelerator: 'nvidia' },
    [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
  ),
];

function node(
  name: string,
  capacity: Record<string, string>,
  labels: Record<string, string>,
  taints: { key: string; value: string; effect: string }[],
): V1Node {
  const resources = { pods: '110', ...capacity };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        type: 'kwok',
        ...labels,
      },
    },
    spec: { taints },
    status: { capacity: resources, allocatable: resources },
  };
}

/**
 * Starts the control plane (binaries built by `control-plane.sh build`, cached per version)
 * with its state in a temporary folder, adds the fake nodes, and stops it all after the run.
 */
export default async function setup(project: TestProject) {
  const runDir = await mkdtemp(join(tmpdir(), 'slipway-k8s-'));
  const env = { ...process.env, CP_RUN: runDir };
  try {
    await run('bash', [script, 'start'], { env, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    await run('bash', [script, 'stop'], { env }).catch(() => {});
    throw new Error(
      `the Kubernetes control plane did not start (build it with: bash scripts/kubernetes/control-plane.sh build): ${(err as { stderr?: string }).stderr ?? err}`,
    );
  }
  const kubeconfig = join(runDir, 'admin.kubeconfig');
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  for (const n of NODES) await core.createNode({ body: n });
  project.provide('kubeconfig', kubeconfig);
  return async () => {
    await run('bash', [script, 'stop'], { env }).catch(() => {});
    await rm(runDir, { recursive: true, force: true });
  };
}
