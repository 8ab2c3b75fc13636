// Point 18 of the first-run issue: a warm `npm start` rebuilds nothing whose sources did not
// change; a changed source, a missing output or a different Python makes it build.
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extensionBuild } from './build-extension.js';
import { GATEWAY_BUILD } from './build-gateway.js';
import {
  fingerprintOf,
  isUpToDate,
  recordBuild,
  sourceFingerprint,
  type BuildSpec,
} from './build-stamp.js';

const checkout = fileURLToPath(new URL('..', import.meta.url));
let root: string;
const put = (path: string, text: string) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'slipway-build-stamp-'));
  put('extension/index.ts', 'export const a = 1;\n');
  put('extension/widgets/Panel.ts', 'export class Panel {}\n');
  put('style/base.css', '.jp-SlipwayPanel {}\n');
  put('package.json', '{}\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const sources = ['extension', 'style', 'package.json'];
const fingerprint = () => sourceFingerprint(root, sources);

describe('sourceFingerprint', () => {
  it('stays the same when only times change', () => {
    const before = fingerprint();
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'extension/index.ts'), later, later);
    expect(fingerprint()).toBe(before);
  });

  it('changes with a source, a new file, a removed file or the extra', () => {
    const before = fingerprint();
    put('extension/index.ts', 'export const a = 2;\n');
    const edited = fingerprint();
    expect(edited).not.toBe(before);
    put('extension/models/new.ts', '');
    expect(fingerprint()).not.toBe(edited);
    rmSync(join(root, 'extension/models/new.ts'));
    expect(fingerprint()).toBe(edited);
    expect(sourceFingerprint(root, sources, 'python A')).not.toBe(
      sourceFingerprint(root, sources, 'python B'),
    );
  });

  it('ignores what no build reads: caches, dependencies, tests and their reports', () => {
    const before = fingerprint();
    // What made every warm start rebuild: vitest's cache under extension/node_modules.
    put('extension/node_modules/.vite/vitest/results.json', '{"t":1}');
    put('extension/.swp', 'x');
    put('extension/models/thing.test.ts', 'test');
    put('extension/testing/helpers.ts', 'x');
    put('extension/test-results.json', '{}');
    expect(fingerprint()).toBe(before);
  });
});

describe('isUpToDate and recordBuild', () => {
  const spec = (): BuildSpec => ({
    sources,
    stamp: join(root, 'build/sources.sha256'),
    outputs: [join(root, 'build/out.js')],
  });

  it('asks for a build until one is recorded, then not until a source changes', () => {
    const s = spec();
    expect(isUpToDate(s, fingerprintOf(root, s))).toBe(false); // never built
    put('build/out.js', 'bundle');
    recordBuild(s, fingerprintOf(root, s));
    expect(isUpToDate(s, fingerprintOf(root, s))).toBe(true);
    put('style/base.css', '.jp-SlipwayPanel { color: var(--jp-ui-font-color1); }\n');
    expect(isUpToDate(s, fingerprintOf(root, s))).toBe(false);
  });

  it('asks for a build when an output is missing, whatever the stamp says', () => {
    const s = spec();
    put('build/out.js', 'bundle');
    recordBuild(s, fingerprintOf(root, s));
    rmSync(join(root, 'build/out.js'));
    expect(isUpToDate(s, fingerprintOf(root, s))).toBe(false);
  });
});

describe("the checkout's builds", () => {
  it('name sources that exist (a misspelt one would never trigger a build)', () => {
    for (const spec of [extensionBuild('/usr/bin/python3'), GATEWAY_BUILD])
      for (const source of spec.sources)
        expect(existsSync(join(checkout, source)), source).toBe(true);
  });

  it('rebuild the extension for another Python (a build against another JupyterLab)', () => {
    const a = extensionBuild('/venv-a/bin/python');
    const b = extensionBuild('/venv-b/bin/python');
    expect(fingerprintOf(checkout, a)).not.toBe(fingerprintOf(checkout, b));
  });
});
