import type { TranslationBundle } from '@jupyterlab/translation';
import type { DeploymentStatus } from '../../gateway/src/protocol/index.js';
import { el } from './dom.js';

/** A deployment's state as a badge: the class keeps the gateway's value, the text is the user's. */
export function statusBadge(status: DeploymentStatus, trans: TranslationBundle): HTMLSpanElement {
  const words: Record<DeploymentStatus, string> = {
    ready: trans._p('deployment status', 'ready'),
    loading: trans._p('deployment status', 'loading'),
    pending: trans._p('deployment status', 'pending'),
    failed: trans._p('deployment status', 'failed'),
  };
  // A state a newer gateway added is still shown, as it came.
  return el('span', { class: `jp-SlipwayStatus jp-mod-${status}` }, [words[status] ?? status]);
}
