import type { CatalogNotices } from '../db/catalog-notices.js';
import type { DeploymentRecord } from '../db/deployment-repository.js';
import { routedVersions } from '../deployments/traffic-service.js';
import type { DeploymentCatalog } from './deployment-catalog.js';
import type { ModelHost } from './model-host.js';

/**
 * Keeps this gateway in step with the catalog changes every gateway on the database announces
 * (this one's too): the catalog forgets the deployment as the notice arrives, so the next call
 * reads its record, and loads the version it names if need be. Then the versions the record
 * held before routed calls to and the fresh one does not are retired here, as the gateway that
 * made the change retired its own; all of them when the deployment is gone, or was deleted and
 * created again (its version numbers start again at 1). A notice of a (re)connection, which may
 * have missed some, is taken as one for every deployment held. Answers what stops following.
 */
export async function followCatalogNotices(deps: {
  notices: CatalogNotices;
  catalog: DeploymentCatalog;
  host: Pick<ModelHost, 'retire'>;
  onError?: (err: unknown) => void;
}): Promise<() => Promise<void>> {
  const { catalog, host, onError = () => {} } = deps;
  // Retirements one notice after another, in the order the notices came.
  let retiring = Promise.resolve();
  const retireUnrouted = async (before: DeploymentRecord) => {
    const after = await catalog.get(before.name);
    const routed =
      after && after.createdAt.getTime() === before.createdAt.getTime()
        ? routedVersions(after)
        : new Set<number>();
    for (const v of routedVersions(before))
      if (!routed.has(v)) void host.retire(before.name, v).catch(() => {});
  };
  return deps.notices.subscribe((name) => {
    const held = name === undefined ? catalog.peekAll() : [catalog.peek(name)];
    if (name === undefined) catalog.invalidateAll();
    else catalog.invalidate(name);
    const before = held.filter((r): r is DeploymentRecord => r !== undefined);
    retiring = retiring
      .then(() => Promise.all(before.map(retireUnrouted)))
      .then(
        () => {},
        (err: unknown) => onError(err),
      );
    return retiring;
  });
}
