// The digest `npm test` prints at its end, read from reports that vitest and Playwright really
// wrote: each run here is of a throw-away test folder with one passing test, one failing test
// and (vitest) one file whose beforeAll hook throws.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestLines, failuresOf, MESSAGE_LINES } from './failure-digest.js';

const modules = fileURLToPath(new URL('../node_modules/', import.meta.url));
const bin = join(modules, '.bin');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-digest-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function report(tool: 'vitest' | 'playwright', files: Record<string, string>): unknown {
  const folder = mkdtempSync(join(dir, `${tool}-`));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
  // The test files import their tool, as the repository's do.
  symlinkSync(modules, join(folder, 'node_modules'));
  const out = join(folder, 'report.json');
  const args =
    tool === 'vitest'
      ? ['run', '--root', folder, '--reporter=json', `--outputFile=${out}`]
      : ['test', '--reporter=json', '--workers=1'];
  const run = spawnSync(join(bin, tool), args, {
    cwd: folder,
    encoding: 'utf8',
    env: { ...process.env, CI: '', PLAYWRIGHT_JSON_OUTPUT_NAME: out, FORCE_COLOR: '1' },
  });
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(1);
  return JSON.parse(readFileSync(out, 'utf8'));
}

describe('failuresOf a vitest report', () => {
  let failures: ReturnType<typeof failuresOf>;
  beforeAll(() => {
    const r = report('vitest', {
      'vitest.config.mjs': 'export default { test: { include: ["*.test.mjs"] } };',
      'calls.test.mjs': `import { describe, expect, it } from 'vitest';
describe('a gateway', () => {
  it('answers', () => expect(1).toBe(1));
  it('serves v2', () => expect({ status: 503 }, 'B refused: no version').toEqual({ status: 200 }));
});`,
      'hook.test.mjs': `import { beforeAll, it } from 'vitest';
beforeAll(() => { throw new Error('the cluster did not start'); });
it('never runs', () => {});`,
    });
    failures = failuresOf(r, `${dir}/`);
  });

  it('names each failed test by file and full name, with its message', () => {
    const test = failures.find((f) => f.test.endsWith('a gateway serves v2'));
    expect(test?.test).toMatch(/calls\.test\.mjs › a gateway serves v2$/);
    expect(test?.message).toContain('B refused: no version');
    expect(test?.message).toContain('503');
    // The frame in the test file stays; vitest's own frames go.
    expect(test?.message).toContain('calls.test.mjs:');
    expect(test?.message).not.toContain('node_modules');
    expect(failures.some((f) => f.test.includes('answers'))).toBe(false);
  });

  it('names a file whose hook failed, with the hook’s error', () => {
    const hook = failures.filter((f) => f.test.includes('hook.test.mjs'));
    expect(hook.length).toBeGreaterThan(0);
    expect(hook.map((f) => f.message).join('\n')).toContain('the cluster did not start');
  });

  it('keeps no colour codes and only the first lines of a message', () => {
    for (const f of failures) {
      expect(f.message).not.toContain(String.fromCharCode(27));
      expect(f.message.split('\n').length).toBeLessThanOrEqual(MESSAGE_LINES + 1);
    }
  });
});

describe('failuresOf a Playwright report', () => {
  it('names the failed test by file, describe and title, with its error', () => {
    const r = report('playwright', {
      'playwright.config.mjs': 'export default { testMatch: /.*\\.spec\\.mjs/, retries: 0 };',
      'page.spec.mjs': `import { expect, test } from '@playwright/test';
test.describe('the monitor', () => {
  test('opens', () => expect(1).toBe(1));
  test('shows drift', () => expect('no panel', 'the drift panel').toBe('panel'));
});`,
    });
    const failures = failuresOf(r);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.test).toBe('page.spec.mjs › the monitor › shows drift');
    expect(failures[0]!.message).toContain('the drift panel');
  });
});

describe('failuresOf a Playwright run that found no tests', () => {
  it('gives the run’s own errors', () => {
    const r = report('playwright', {
      'playwright.config.mjs': 'export default { testMatch: /.*\\.spec\\.mjs/ };',
      'broken.spec.mjs': `import { test } from '@playwright/test';
throw new Error('the spec file cannot load');`,
    });
    expect(
      failuresOf(r)
        .map((f) => f.message)
        .join('\n'),
    ).toContain('the spec file cannot load');
  });
});

describe('failuresOf something else', () => {
  it('gives no failures for a report of neither shape', () => {
    expect(failuresOf(null)).toEqual([]);
    expect(failuresOf({ stats: {} })).toEqual([]);
    expect(failuresOf('text')).toEqual([]);
  });
});

describe('digestLines', () => {
  const failure = (n: number) => ({ test: `t.test.ts › case ${n}`, message: `line one\nline two` });

  it('says nothing for a suite with no failures', () => {
    expect(digestLines('gateway', [])).toEqual([]);
  });

  it('gives the count, then each failure and its message indented', () => {
    expect(digestLines('kubernetes', [failure(1)])).toEqual([
      '[tests] kubernetes: 1 failed',
      '  ✗ t.test.ts › case 1',
      '      line one',
      '      line two',
    ]);
  });

  it('stops after the first few and says how many more the report holds', () => {
    const lines = digestLines('ui', [1, 2, 3, 4].map(failure), 2);
    expect(lines.filter((l) => l.startsWith('  ✗'))).toHaveLength(2);
    expect(lines.at(-1)).toBe('  … and 2 more in its report');
  });
});
