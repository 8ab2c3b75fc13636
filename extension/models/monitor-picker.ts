import type { TranslationBundle } from '@jupyterlab/translation';
import type { Deployment } from '../../gateway/src/protocol/index.js';

/** The items of the "Monitor which deployment?" picker and the deployment each stands for. */
export interface MonitorChoices {
  /** One line per deployment, by name: `iris (v2 · onnx · ready)`. */
  readonly items: string[];
  /** The index of the item to select first. */
  readonly current: number;
  /** The deployment an item stands for; null for anything else (a cancelled dialog). */
  nameOf(item: string | null | undefined): string | null;
}

/**
 * The picker's choices: every deployment in name order, with what tells versions apart at a
 * glance, `preferred` (the monitor shown last) selected first when it is among them.
 */
export function monitorChoices(
  deployments: readonly Pick<Deployment, 'name' | 'version' | 'format' | 'status'>[],
  trans: TranslationBundle,
  preferred: string | null = null,
): MonitorChoices {
  const sorted = [...deployments].sort((a, b) => a.name.localeCompare(b.name));
  const names = new Map<string, string>();
  for (const d of sorted) {
    const status = trans._p('deployment status', d.status);
    names.set(trans.__('%1 (v%2 · %3 · %4)', d.name, d.version, d.format, status), d.name);
  }
  const items = [...names.keys()];
  return {
    items,
    current: Math.max(
      0,
      sorted.findIndex((d) => d.name === preferred),
    ),
    nameOf: (item) => (item ? (names.get(item) ?? null) : null),
  };
}
