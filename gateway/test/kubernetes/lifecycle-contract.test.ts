import { inject } from 'vitest';
import { lifecycleContract } from '../support/lifecycle-contract.js';
import { clients, newNamespace, startClusterGateway } from './cluster-support.js';

const kubeconfig = inject('kubeconfig');
const { core, apps } = clients(kubeconfig);
let namespace: string;

lifecycleContract('kubernetes', () => ({
  pool: 'cpu',
  async start() {
    namespace = await newNamespace(core);
    const cg = await startClusterGateway(kubeconfig, namespace);
    return { gw: cg.gw, stop: () => cg.stop() };
  },
  // The revisions with a Deployment or a Service left (both go when a version goes).
  async held(name) {
    const selector = `app.kubernetes.io/managed-by=slipway,slipway.dev/deployment=${name}`;
    const [deployments, services] = await Promise.all([
      apps.listNamespacedDeployment({ namespace, labelSelector: selector }),
      core.listNamespacedService({ namespace, labelSelector: selector }),
    ]);
    const revisions = [...deployments.items, ...services.items].map(
      (o) => o.metadata!.labels!['slipway.dev/revision'],
    );
    return new Set(revisions).size;
  },
}));
