import type { TranslationBundle } from '@jupyterlab/translation';
import type { DeploymentDetail } from '../../gateway/src/protocol/index.js';

/** How a version gets its calls: it is live, it has a share of the split, or it gets copies. */
export type VersionRole = 'live' | 'split' | 'shadow';

/** A version the gateway sends calls (or copies of them) to. */
export interface RoutedVersion {
  version: number;
  role: VersionRole;
  /** Its percent of the calls that name no version; null when the split does not name it. */
  percent: number | null;
}

/**
 * The versions a deployment routes calls to: the live one, then the split's others by number,
 * then the shadow. The monitor asks per-version figures for these alone, to keep requests few;
 * a version called only by name is in the deployment's figures, not in a row of its own.
 * An older gateway's detail has no `traffic` or `shadow`: the live version alone.
 */
export function routedVersions(d: DeploymentDetail): RoutedVersion[] {
  const split = d.traffic?.split ?? {};
  const shadow = d.shadow?.version ?? null;
  const percent = (v: number) => split[String(v)] ?? null;
  const others = Object.keys(split)
    .map(Number)
    .filter((v) => v !== d.version && v !== shadow)
    .sort((a, b) => a - b);
  return [
    { version: d.version, role: 'live', percent: percent(d.version) },
    ...others.map((version) => ({ version, role: 'split' as const, percent: percent(version) })),
    // A shadow is never the live version; `shadow_is_live` is the gateway's refusal.
    ...(shadow !== null && shadow !== d.version
      ? [{ version: shadow, role: 'shadow' as const, percent: percent(shadow) }]
      : []),
  ];
}

/** A routed version as people read it: `v2 (live)`, `v3 (split, 10%)`, `v4 (shadow)`. */
export function routedVersionLabel(r: RoutedVersion, trans: TranslationBundle): string {
  const role = {
    live: trans._p('version role', 'live'),
    split: trans._p('version role', 'split'),
    shadow: trans._p('version role', 'shadow'),
  }[r.role];
  return r.percent === null
    ? trans.__('v%1 (%2)', r.version, role)
    : trans.__('v%1 (%2, %3%)', r.version, role, r.percent);
}
