import type { TranslationBundle } from '@jupyterlab/translation';
import type { NewInvokeKeyRequest } from '../../gateway/src/protocol/keys.js';

/** What happens to a deployment's other invoke keys when a new one is issued. */
export type OldKeysChoice = 'keep' | 'grace' | 'now';

/** The rotation dialog's answer. */
export interface KeyRotationDraft {
  oldKeys: OldKeysChoice;
  /** Minutes the old keys keep working, for `grace`. */
  graceMinutes: number;
}

/** The default: a day for callers to move to the new key. */
export const DEFAULT_GRACE_MINUTES = 24 * 60;

/** The gateway's longest grace period (a year), in minutes. */
export const MAX_GRACE_MINUTES = 366 * 24 * 60;

/** Why the draft cannot be sent; null when it can. */
export function rotationProblem(draft: KeyRotationDraft, trans: TranslationBundle): string | null {
  if (draft.oldKeys !== 'grace') return null;
  const m = draft.graceMinutes;
  if (!Number.isInteger(m) || m < 1 || m > MAX_GRACE_MINUTES)
    return trans.__('The grace period is a whole number of minutes, 1 to %1.', MAX_GRACE_MINUTES);
  return null;
}

/** The body of `POST /api/deployments/:name/keys` for a draft. */
export function rotationRequest(draft: KeyRotationDraft): NewInvokeKeyRequest {
  switch (draft.oldKeys) {
    case 'keep':
      return {};
    case 'now':
      return { revokeOthersAfterSeconds: 0 };
    case 'grace':
      return { revokeOthersAfterSeconds: draft.graceMinutes * 60 };
  }
}
