/**
 * The same call as curl, Python (`requests`) and JavaScript (`fetch`) text a user can paste.
 * Pure: the monitor's "Try it" tab and the end-user page show these.
 */

/** One call to show. */
export interface SnippetRequest {
  /** The invoke URL. */
  url: string;
  /** The JSON body. */
  body: unknown;
  /**
   * The environment variable that holds the invoke key (`SLIPWAY_KEY`); null for a public
   * deployment, which needs none.
   */
  keyVariable: string | null;
}

/** The snippets of one call, by language. */
export interface CallSnippets {
  curl: string;
  python: string;
  javascript: string;
}

/** curl for bash: single-quoted URL and body, the key from `$VARIABLE` in double quotes. */
export function curlSnippet({ url, body, keyVariable }: SnippetRequest): string {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const auth = keyVariable ? ` \\\n  -H "Authorization: Bearer $${keyVariable}"` : '';
  return (
    `curl -X POST ${quote(url)}${auth} \\\n  -H 'Content-Type: application/json' \\\n` +
    `  -d ${quote(JSON.stringify(body))}`
  );
}

/** Python 3 with `requests`; the key from `os.environ`. */
export function pythonSnippet({ url, body, keyVariable }: SnippetRequest): string {
  const lines = keyVariable ? ['import os', ''] : [];
  lines.push('import requests', '', 'response = requests.post(', `    ${JSON.stringify(url)},`);
  if (keyVariable)
    lines.push(
      `    headers={"Authorization": "Bearer " + os.environ[${JSON.stringify(keyVariable)}]},`,
    );
  lines.push(
    `    json=${pythonLiteral(body)},`,
    '    timeout=60,',
    ')',
    'response.raise_for_status()',
    'print(response.json())',
  );
  return lines.join('\n');
}

/** JavaScript (an ES module in Node 18+; in a browser, put the key in place of `process.env`). */
export function fetchSnippet({ url, body, keyVariable }: SnippetRequest): string {
  const headers = ['    "Content-Type": "application/json",'];
  if (keyVariable) headers.unshift(`    Authorization: \`Bearer \${process.env.${keyVariable}}\`,`);
  return [
    `const response = await fetch(${JSON.stringify(url)}, {`,
    '  method: "POST",',
    '  headers: {',
    ...headers,
    '  },',
    `  body: JSON.stringify(${JSON.stringify(body)}),`,
    '});',
    'if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);',
    'console.log(await response.json());',
  ].join('\n');
}

/** All three. */
export function callSnippets(req: SnippetRequest): CallSnippets {
  return { curl: curlSnippet(req), python: pythonSnippet(req), javascript: fetchSnippet(req) };
}

/** A JSON value written as a Python literal (`true` → `True`, `null` → `None`). */
export function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'None';
  // A JSON string's escapes (\n, \", \uXXXX) mean the same in a Python string.
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(', ')}]`;
  if (typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`)
      .join(', ')}}`;
  return 'None';
}
