// Static imports and re-exports, imports for effect, dynamic imports of a literal, and worker
// entries (`new URL('./x.js', import.meta.url)`): what tsc leaves of the source's imports.
const IMPORTS =
  /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]|new URL\(\s*['"]([^'"]+\.js)['"]\s*,\s*import\.meta\.url/g;

/** Every module specifier a compiled (JavaScript) module imports. */
export function moduleImports(js: string): string[] {
  return [...js.matchAll(IMPORTS)].map((m) => (m[1] ?? m[2] ?? m[3] ?? m[4])!);
}

/** The relative ones (`./x.js`, `../y.js`): the gateway's own modules. */
export function relativeImports(js: string): string[] {
  return moduleImports(js).filter((s) => s.startsWith('.'));
}
