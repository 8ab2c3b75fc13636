import type { DeploymentView } from '../data-plane/index.js';
import { formFields, type FormValues } from '../protocol/call-form.js';
import { curlSnippet } from '../protocol/call-snippets.js';
import { csvFormHtml, recordFormHtml } from './form-html.js';
import { esc } from './html-text.js';
import { pageHtml } from './page-html.js';

/** An answer to show under the forms, for people and as the API would give it. */
export interface PageAnswer {
  /** The rendered answer. */
  html: string;
  /** The JSON the API answers for the same call (the "show as JSON / curl" toggle). */
  json?: unknown;
  /** The request body of the same call through the API (for curl). */
  request?: unknown;
}

/** Everything one rendering of a deployment's page shows. */
export interface DeploymentPageView {
  deployment: DeploymentView;
  /** A notebook takes one set of parameters a call: it has no CSV form. */
  notebook: boolean;
  /** The invoke URL, for the curl snippet. */
  invokeUrl: string;
  /** Whether a call needs a key (the curl snippet reads it from `$SLIPWAY_KEY`). */
  needsKey: boolean;
  csrf: string;
  maxRows: number;
  values?: FormValues;
  /** Mistakes by input name, shown beside their fields. */
  errors?: Map<string, string>;
  answer?: PageAnswer;
  /** A failure that names no field (a model error, wrong CSV columns …). */
  problem?: string;
}

/** The end-user page of one deployment: its forms, and the answer or the problem of a post. */
export function deploymentPageHtml(view: DeploymentPageView): string {
  const { deployment: d } = view;
  const fields = formFields(d.signature);
  const action = `/fn/${encodeURIComponent(d.name)}/page`;
  const header = `<header><h1>${esc(d.name)}</h1><p class="meta">version ${d.version} · ${esc(d.format)}</p></header>`;
  const record = recordFormHtml({
    action,
    csrf: view.csrf,
    fields,
    values: view.values ?? {},
    errors: view.errors ?? new Map(),
  });
  const csv = view.notebook ? '' : csvFormHtml(action, view.csrf, fields, view.maxRows);
  return pageHtml(`${d.name} · Slipway`, `${header}\n${record}\n${csv}\n${resultHtml(view)}`, {
    script: true,
  });
}

function resultHtml(view: DeploymentPageView): string {
  if (view.problem)
    return `<section id="answer" class="problem" role="alert" tabindex="-1"><h2>Not scored</h2><p>${esc(view.problem)}</p></section>`;
  if (view.errors?.size)
    return `<section id="answer" class="problem" role="alert" tabindex="-1"><h2>Not scored</h2><p>Fix the fields marked above.</p></section>`;
  const a = view.answer;
  if (!a) return '';
  const details =
    a.json === undefined
      ? ''
      : `<details><summary>Show as JSON / curl</summary><pre id="answer-json">${esc(
          JSON.stringify(a.json, null, 2),
        )}</pre>${
          a.request === undefined
            ? ''
            : `<pre id="answer-curl">${esc(
                curlSnippet({
                  url: view.invokeUrl,
                  body: a.request,
                  keyVariable: view.needsKey ? 'SLIPWAY_KEY' : null,
                }),
              )}</pre>`
        }</details>`;
  return `<section id="answer" aria-live="polite" tabindex="-1"><h2>Answer</h2>${a.html}${details}</section>`;
}
