import type { TranslationBundle } from '@jupyterlab/translation';

/** The gateway's rule for deployment names (DESIGN.md: public HTTP contract). */
export const DEPLOYMENT_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A deployment name made from a file name: `Churn Model v2.ipynb` → `churn-model-v2`.
 * Always valid for the gateway; `model` when nothing usable is left.
 */
export function slugFromFilename(filename: string): string {
  const base = filename.split('/').pop() ?? filename;
  const stem = base.replace(/\.[^.]+$/, '');
  const slug = stem
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return slug || 'model';
}

/** Why `name` is not a valid deployment name, in the user's language, or null when it is. */
export function deploymentNameProblem(name: string, trans: TranslationBundle): string | null {
  if (!name) return trans.__('A name is required.');
  if (DEPLOYMENT_NAME.test(name)) return null;
  return trans.__(
    'Use 1–63 lowercase letters, digits and dashes, starting and ending with a letter or digit.',
  );
}
