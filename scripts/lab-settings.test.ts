// Points 16 and 18 of the first-run issue: notebooks go to a workspace folder, not Slipway's
// checkout; JupyterLab's URL (its token) stays the same from one start to the next.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureNotebookDir, notebookDir, resolveLabToken } from './lab-settings.js';

const checkout = fileURLToPath(new URL('..', import.meta.url));
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-lab-settings-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveLabToken', () => {
  it('makes a token on the first start, keeps it 0600, and gives the same one after', () => {
    const first = resolveLabToken(join(dir, 'data'), undefined);
    expect(first.file).toBe(join(dir, 'data', 'lab-token'));
    expect(first.token).toMatch(/^[0-9a-f]{48}$/);
    expect(statSync(first.file!).mode & 0o777).toBe(0o600);
    expect(resolveLabToken(join(dir, 'data'), undefined)).toEqual(first);
  });

  it('takes SLIPWAY_LAB_TOKEN over the kept one, and keeps nothing for it', () => {
    resolveLabToken(dir, undefined);
    const kept = readFileSync(join(dir, 'lab-token'), 'utf8');
    expect(resolveLabToken(dir, 'my-own_token-0123456789')).toEqual({
      token: 'my-own_token-0123456789',
    });
    expect(readFileSync(join(dir, 'lab-token'), 'utf8')).toBe(kept);
  });

  it('refuses an empty or unsafe SLIPWAY_LAB_TOKEN, naming the variable and the rule', () => {
    // An empty token would turn JupyterLab's authentication off.
    expect(() => resolveLabToken(dir, '')).toThrow(
      /SLIPWAY_LAB_TOKEN must be at least 16 characters.*\(got 0 characters: empty\)/,
    );
    expect(() => resolveLabToken(dir, 'short')).toThrow(/SLIPWAY_LAB_TOKEN must be at least 16/);
    expect(() => resolveLabToken(dir, 'has spaces and & in it')).toThrow(/SLIPWAY_LAB_TOKEN/);
  });

  it('refuses a kept token file that was emptied, saying how to get a new one', () => {
    writeFileSync(join(dir, 'lab-token'), '\n');
    expect(() => resolveLabToken(dir, undefined)).toThrow(
      /lab-token must hold one token .*delete the file to have a new one made/,
    );
  });
});

describe('notebookDir', () => {
  it('defaults to ~/slipway-workspace, outside the checkout', () => {
    const home = join(dir, 'home');
    expect(notebookDir(undefined, home)).toBe(join(home, 'slipway-workspace'));
    expect(notebookDir(undefined, home).startsWith(checkout)).toBe(false);
  });

  it('takes SLIPWAY_NOTEBOOK_DIR, made absolute', () => {
    expect(notebookDir('/srv/notebooks', '/home/ann')).toBe('/srv/notebooks');
    expect(notebookDir('nb', '/home/ann')).toBe(join(process.cwd(), 'nb'));
  });

  it('refuses an empty SLIPWAY_NOTEBOOK_DIR', () => {
    expect(() => notebookDir(' ', '/home/ann')).toThrow(
      /SLIPWAY_NOTEBOOK_DIR is empty: expected a folder/,
    );
  });
});

describe('ensureNotebookDir', () => {
  it('makes a missing folder and leaves an existing one as it is', () => {
    const nb = join(dir, 'a', 'slipway-workspace');
    ensureNotebookDir(nb);
    expect(statSync(nb).isDirectory()).toBe(true);
    writeFileSync(join(nb, 'mine.ipynb'), '{}');
    ensureNotebookDir(nb);
    expect(readFileSync(join(nb, 'mine.ipynb'), 'utf8')).toBe('{}');
  });

  it('refuses a path that is a file', () => {
    writeFileSync(join(dir, 'file'), '');
    expect(() => ensureNotebookDir(join(dir, 'file'))).toThrow(/is a file; expected a folder/);
  });
});
