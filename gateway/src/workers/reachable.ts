import { realpathSync, statSync, type Stats } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/** Whose access to a file is checked: a user and its primary group (workers have no others). */
export interface Accessor {
  /** For messages: `nobody`, `other users`. */
  user: string;
  uid: number;
  gid: number;
}

/** Any user who is neither the owner nor in the group of what is checked: the "other" class. */
export const OTHER_USERS: Accessor = { user: 'other users', uid: -1, gid: -1 };

const READ = 4;
const EXECUTE = 1;

/** The mode bits (0–7) `who` has on a file: its owner's, group's or other users' class. */
function bitsFor(st: Stats, who: Accessor): number {
  const shift = st.uid === who.uid ? 6 : st.gid === who.gid ? 3 : 0;
  return (st.mode >> shift) & 7;
}

function describe(path: string, st: Stats): string {
  const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
  return `${path} is mode ${mode}, owned by uid ${st.uid} gid ${st.gid}`;
}

/** The first folder from `/` down to `dir` (included) that `who` cannot pass through, described. */
export function blockedFolder(dir: string, who: Accessor): string | undefined {
  const parts = dir.split('/').filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const path = `/${parts.slice(0, i).join('/')}`;
    const st = statSync(path);
    if ((bitsFor(st, who) & EXECUTE) === 0) return describe(path, st);
  }
  return undefined;
}

/**
 * Why `who` cannot use the absolute `path` — reach it, read it (a folder: list and enter it),
 * and run it when `executable` — or undefined when it can, or when there is nothing there (a
 * start then fails and says so itself). Both the path and, through symlinks, the file it names
 * are checked. Mode bits only: an ACL granting more is not consulted.
 */
export function accessProblem(path: string, who: Accessor, executable = false): string | undefined {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return undefined;
  }
  for (const p of real === path ? [path] : [path, real]) {
    const blocked = blockedFolder(dirname(p), who);
    if (blocked) return blocked;
  }
  const st = statSync(real);
  const need = st.isDirectory() || executable ? READ | EXECUTE : READ;
  return (bitsFor(st, who) & need) === need ? undefined : describe(real, st);
}

/** Where `command` is found on `searchPath` (a PATH value), or undefined; a path is kept as it is. */
export function whichCommand(command: string, searchPath: string | undefined): string | undefined {
  if (command.includes('/')) return command;
  for (const dir of (searchPath ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}
