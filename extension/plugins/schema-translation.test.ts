import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dir = new URL('../../schema/', import.meta.url);
const schemas = readdirSync(dir).filter((f) => f.endsWith('.json'));

/** Keys whose strings JupyterLab shows to people (settings editor, menus, toolbars). */
const WORDS = /^(title|description|label|caption|jupyter\.lab\.setting-icon-label)$/;

/**
 * The paths of the strings to translate, written as jupyterlab_server walks a schema:
 * `/key/key`, and `[i]` for the dicts in a list.
 */
function wordPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value))
    return value.flatMap((item, i) =>
      item && typeof item === 'object' ? wordPaths(item, `${prefix}[${i}]`) : [],
    );
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) =>
    typeof v === 'string'
      ? WORDS.test(key)
        ? [`${prefix}/${key}`]
        : []
      : wordPaths(v, `${prefix}/${key}`),
  );
}

describe("the settings schemas' words are marked for translation", () => {
  it.each(schemas)('%s', (file) => {
    const schema = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
    const i18n = schema['jupyter.lab.internationalization'];
    // The domain the plugins load their bundle from: translator.load('slipway').
    expect(i18n?.domain).toBe('slipway');
    // jupyterlab_server applies each selector as the regular expression ^/selector$.
    const selectors = (i18n.selectors as string[]).map((s) => new RegExp(`^/${s}$`));
    const paths = wordPaths(schema);
    expect(paths).toEqual(expect.arrayContaining(['/title', '/description']));
    expect(paths.filter((p) => !selectors.some((s) => s.test(p)))).toEqual([]);
  });
});
