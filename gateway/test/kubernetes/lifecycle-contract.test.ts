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
  // A revision's Deployment each (its Service and pods go with it).
  async held(name) {
    const selector = `app.kubernetes.io/managed-by=slipway,slipway.dev/deployment=${name}`;
    const [deployments, services] = await Promise.all([
      apps.listNamespacedDeployment({ namespace, labelSelector: selector }),
      core.listNamespacedService({ namespace, labelSelector: selector }),
    ]);
    if (deployments.items.length !== services.items.length)
      throw new Error(
        `${deployments.items.length} Deployments but ${services.items.length} Services`,
      );
    return deployments.items.length;
  },
}));
