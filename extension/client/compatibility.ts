/** The gateway API versions this extension speaks: same major, and for 0.x the same minor. */
export const SUPPORTED_GATEWAY = '0.1.x';

/** True when `version` (semver, maybe with a pre-release tag) is one this extension speaks. */
export function isCompatibleGateway(version: string, supported = SUPPORTED_GATEWAY): boolean {
  const have = /^(\d+)\.(\d+)\.\d+/.exec(version);
  const want = /^(\d+)\.(\d+|x)/.exec(supported);
  if (!have || !want) return false;
  if (have[1] !== want[1]) return false;
  // Before 1.0 a minor release may break the API (semver's rule for 0.x).
  if (want[1] === '0' && want[2] !== 'x') return have[2] === want[2];
  return true;
}
