import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import {
  AppsV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { ReadyEndpoint } from '../../src/kubernetes/cluster.js';
import { RUNNER_COMMAND } from '../../src/kubernetes/manifests.js';
import { parsePoolsFile } from '../../src/pools/pool-spec.js';
import { freePort } from '../support/gateway-process.js';
import { startTestGateway, type TestGateway } from '../support/test-gateway.js';

const gatewayDir = fileURLToPath(new URL('../..', import.meta.url));

/** Clients of the test's control plane. */
export function clients(kubeconfig: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    discovery: kc.makeApiClient(DiscoveryV1Api),
  };
}

/** A namespace of its own for one test file. */
export async function newNamespace(core: CoreV1Api): Promise<string> {
  const name = `slw-test-${randomBytes(3).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

/**
 * The pools file a team would write for this cluster: `cpu` on any untainted node; `highmem`
 * and `gpu` on their labelled, tainted nodes, with what each pod asks for.
 */
export function poolsFile(kubeconfig: string, namespace: string, gatewayUrl: string): string {
  const common = {
    kubeconfig,
    namespace,
    image: 'ghcr.io/slipway/runner:test',
    artifacts: { from: 'gateway', gatewayUrl },
    startSeconds: 60,
  };
  // Written out in full (no YAML anchors for the parts the pools share), as a person would.
  return stringify(
    {
      pools: {
        cpu: {
          backend: 'kubernetes',
          kubernetes: { ...common, resources: { requests: { cpu: '500m', memory: '512Mi' } } },
        },
        highmem: {
          backend: 'kubernetes',
          kubernetes: {
            ...common,
            nodeSelector: { 'node-type': 'highmem' },
            tolerations: [{ key: 'dedicated', value: 'highmem', effect: 'NoSchedule' }],
            resources: { requests: { memory: '64Gi' } },
          },
        },
        gpu: {
          backend: 'kubernetes',
          kubernetes: {
            ...common,
            nodeSelector: { accelerator: 'nvidia' },
            tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
            resources: { limits: { 'nvidia.com/gpu': 1 } },
          },
        },
      },
    },
    { aliasDuplicateObjects: false },
  );
}

/** A runner process standing in for one pod: started from the pod's own command and environment. */
export interface StandIn {
  pod: V1Pod;
  url: string;
  process: ChildProcess;
}

/**
 * Stand-ins for pods: kwok's pods never run, so for each ready endpoint the gateway asks for,
 * this starts the runner (`src/runner/main.ts`, what the image runs) on 127.0.0.1 with the
 * environment the pod spec gives it (the runner token read from the Secret it names), and
 * answers its URL once `/healthz` passes, as the pod's readiness probe would.
 */
export class StandInRunners {
  readonly started: StandIn[] = [];
  /** Runs before each endpoint is reached: a test's way to act between "ready" and "reached". */
  beforeResolve?: (endpoint: ReadyEndpoint) => Promise<void>;

  constructor(
    private readonly core: CoreV1Api,
    private readonly namespace: string,
    /** Host folders standing in for PersistentVolumeClaims, by claim name (a pod's mounts). */
    private readonly claims: Record<string, string> = {},
  ) {}

  /** `value` with a path under one of the pod's claim mounts moved to the claim's host folder. */
  private mounted(pod: V1Pod, value: string): string {
    const container = pod.spec!.containers[0]!;
    for (const m of container.volumeMounts ?? []) {
      const claim = pod.spec!.volumes?.find((v) => v.name === m.name)?.persistentVolumeClaim;
      const host = claim && this.claims[claim.claimName];
      if (host && (value === m.mountPath || value.startsWith(`${m.mountPath}/`)))
        return host + value.slice(m.mountPath.length);
    }
    return value;
  }

  resolve = async (endpoint: ReadyEndpoint): Promise<string> => {
    await this.beforeResolve?.(endpoint);
    const pod = await this.core.readNamespacedPod({
      name: endpoint.pod,
      namespace: this.namespace,
    });
    const container = pod.spec!.containers[0]!;
    if (JSON.stringify(container.command) !== JSON.stringify(RUNNER_COMMAND))
      throw new Error(`pod ${endpoint.pod} runs ${container.command}, not the runner`);
    const env: Record<string, string> = {};
    for (const e of container.env ?? []) {
      if (e.value !== undefined) env[e.name] = this.mounted(pod, e.value);
      const ref = e.valueFrom?.secretKeyRef;
      if (ref) {
        const secret = await this.core.readNamespacedSecret({
          name: ref.name!,
          namespace: this.namespace,
        });
        env[e.name] = Buffer.from(secret.data![ref.key]!, 'base64').toString('utf8');
      }
    }
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/runner/main.ts'], {
      cwd: gatewayDir,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        // What the image bakes in: its Python with the worker's packages.
        ...(process.env.SLIPWAY_TEST_PYTHON
          ? { SLIPWAY_PYTHON: process.env.SLIPWAY_TEST_PYTHON }
          : {}),
        ...env,
        SLIPWAY_RUNNER_HOST: '127.0.0.1',
        SLIPWAY_RUNNER_PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d));
    child.stderr!.on('data', (d: Buffer) => (out += d));
    const url = `http://127.0.0.1:${port}`;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) =>
        reject(new Error(`the stand-in runner exited (${code}):\n${out}`)),
      ),
    );
    this.started.push({ pod, url, process: child });
    // The readiness probe: /healthz answers 200 once the model is loaded.
    for (;;) {
      const ok = await Promise.race([
        fetch(`${url}/healthz`).then(
          (r) => r.ok,
          () => false,
        ),
        exited,
      ]);
      if (ok) return url;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  async stopAll(): Promise<void> {
    await Promise.all(
      this.started.map(
        (s) =>
          new Promise<void>((done) => {
            if (s.process.exitCode !== null) return done();
            s.process.once('exit', () => done());
            s.process.kill('SIGTERM');
          }),
      ),
    );
  }
}

/** A gateway whose pools are on the test's cluster, listening on a port (runners fetch artifacts from it). */
export interface ClusterGateway {
  gw: TestGateway;
  url: string;
  runners: StandInRunners;
  stop(): Promise<void>;
}

export async function startClusterGateway(
  kubeconfig: string,
  namespace: string,
  opts: {
    /** Changes the pools file before it is read. */
    file?: (text: string) => string;
    /** More of the test gateway's options (a shared database, say). */
    gateway?: Omit<Parameters<typeof startTestGateway>[0] & object, 'resolveEndpoint'>;
    /** Host folders standing in for PersistentVolumeClaims the pods mount, by claim name. */
    claims?: (gatewayDataDir: string) => Record<string, string>;
    /**
     * Where pods reach the gateway for artifacts: by default this one's own URL. Gateways that
     * share Deployments share it too (the manifests' Service in front of them all), or each
     * one's apply would roll the pods over to its own.
     */
    gatewayUrl?: string;
  } = {},
): Promise<ClusterGateway> {
  const { core } = clients(kubeconfig);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const text = (opts.file ?? ((t) => t))(poolsFile(kubeconfig, namespace, opts.gatewayUrl ?? url));
  const pools = parsePoolsFile(text, { memoryMb: 64 * 1024, gpus: [] });
  // The gateway's data folder is known once it started; the resolver reads the claims then.
  let claims: Record<string, string> = {};
  const runners = new StandInRunners(
    core,
    namespace,
    new Proxy({}, { get: (_, k) => claims[k as string] }),
  );
  const gw = await startTestGateway({
    ...opts.gateway,
    config: { ...opts.gateway?.config, pools },
    resolveEndpoint: runners.resolve,
  });
  claims = opts.claims?.(gw.dataDir) ?? {};
  const server = serve({ fetch: gw.app.fetch, hostname: '127.0.0.1', port }) as Server;
  return {
    gw,
    url,
    runners,
    async stop() {
      await gw.stop();
      await runners.stopAll();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** Cluster state is read until it holds, not waited for by time. */
export { until } from '../../src/workers/testing/processes.js';
