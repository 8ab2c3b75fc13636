import { existsSync } from 'node:fs';

/** Debian's Chromium (the UI tests never download a browser), or SLIPWAY_CHROMIUM. */
export function chromiumPath() {
  const candidates = [
    process.env.SLIPWAY_CHROMIUM,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ];
  return candidates.find((p) => p && existsSync(p));
}
