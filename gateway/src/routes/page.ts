import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { bearerToken } from '../auth/tokens.js';
import { encodeRecordsResponse } from '../codecs/index.js';
import type { Caller, DataPlane, DeploymentView } from '../data-plane/index.js';
import { SlipwayError, toErrorResponse } from '../errors.js';
import type { CallEnv } from '../middleware/call-id.js';
import { outputsHtml, predictionHtml } from '../page/answer-html.js';
import { scoreCsv, scoredCsvHtml } from '../page/csv-scoring.js';
import { deploymentPageHtml, type DeploymentPageView } from '../page/deployment-page.js';
import { postedValues } from '../page/form-html.js';
import { openingPageHtml, problemPageHtml } from '../page/page-html.js';
import { formBody, formFields } from '../protocol/call-form.js';
import type { PageSession } from '../share/page-session.js';
import { CSRF_FIELD } from '../share/page-session.js';
import type { ShareRateLimit } from '../share/rate-limit.js';
import { ShareLinkRefusedError, type ShareLinkService } from '../share/share-link-service.js';

export interface PageRoutesDeps {
  dataPlane: DataPlane;
  shareLinks: ShareLinkService;
  session: PageSession;
  rate: ShareRateLimit;
  /** Calls a share link admits are made with it: the link was checked, the data plane need not. */
  adminToken: string;
  publicUrl: string;
  maxBodyBytes: number;
  maxUploadBytes: number;
  maxBatch: number;
  reportError: (err: unknown) => void;
  /** Whether a format's runtime runs notebooks (one call, one set of parameters: no CSV form). */
  isNotebook: (format: string) => boolean;
}

/** How a page request may call the deployment. */
interface Access {
  /** The token the data plane is given. */
  token: string | undefined;
  /** The share link used, when one was. */
  linkId?: string;
  ratePerMinute?: number;
  /** A header token (not a cookie): no CSRF check is needed. */
  bearer: boolean;
}

const wantsHtml = (c: Context) => /\btext\/html\b/i.test(c.req.header('accept') ?? '');

/**
 * The end-user page: `GET /fn/:name` for a browser (`Accept: text/html`) answers a form made
 * from the signature; it posts to `/fn/:name/page`, which answers the page again with the
 * answer rendered for people, or each mistake beside its field. A share link (`?share=`) is
 * exchanged for a cookie scoped to the page. Every other client of `/fn/:name` is untouched.
 */
export function pageRoutes(deps: PageRoutesDeps) {
  const { dataPlane, shareLinks, session } = deps;
  const app = new Hono<CallEnv>();

  const html = (
    c: Context,
    body: string,
    status: 200 | 400 | 401 | 403 | 404 | 413 | 429 | 500 | 502 | 503 | 504 = 200,
  ) => {
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    c.header(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    return c.html(body, status);
  };

  const refusedPage = (c: Context, name: string, err: unknown) => {
    if (err instanceof ShareLinkRefusedError) {
      session.clearShareToken(c, name);
      const heading =
        err.reason === 'unknown' ? 'Share link not valid' : `Share link ${err.reason}`;
      return html(c, problemPageHtml(heading, err.message), 401);
    }
    return errorPage(c, err);
  };

  const errorPage = (c: Context, err: unknown) => {
    if (!(err instanceof SlipwayError) || err.status >= 500) deps.reportError(err);
    const { status, body } = toErrorResponse(err);
    if (status === 401)
      return html(
        c,
        problemPageHtml(
          'This page needs a share link',
          'This deployment is not public. Open the share link you were given; whoever publishes the model can make one.',
        ),
        401,
      );
    const headings: Record<number, string> = {
      404: 'Not found',
      413: 'Upload too large',
      429: 'Too many requests',
    };
    return html(
      c,
      problemPageHtml(headings[status] ?? 'Something went wrong', body.error.message),
      status as 500,
    );
  };

  /** Who is calling: a bearer header, the share link's cookie, or nobody (public only). */
  async function access(c: Context, name: string): Promise<Access> {
    const bearer = bearerToken(c.req.header('authorization'));
    if (bearer) return { token: bearer, bearer: true };
    const shared = session.shareToken(c);
    if (!shared) return { token: undefined, bearer: false };
    const link = await shareLinks.admit(name, shared);
    return {
      token: deps.adminToken,
      linkId: link.id,
      ratePerMinute: link.ratePerMinute,
      bearer: false,
    };
  }

  const caller = (c: Context<CallEnv>, name: string, token: string | undefined): Caller => ({
    name,
    token,
    requestId: c.get('requestId'),
    signal: c.req.raw.signal,
    header: (h) => c.req.header(h),
  });

  async function render(
    c: Context<CallEnv>,
    d: DeploymentView,
    a: Access,
    extra: Partial<DeploymentPageView>,
  ) {
    const publicUrl = deps.publicUrl.replace(/\/+$/, '');
    return deploymentPageHtml({
      deployment: d,
      notebook: deps.isNotebook(d.format),
      invokeUrl: `${publicUrl}/fn/${encodeURIComponent(d.name)}`,
      needsKey: a.token !== undefined,
      csrf: session.csrfToken(c, d.name),
      maxRows: deps.maxBatch,
      ...extra,
    });
  }

  app.get('/:name', async (c) => {
    const name = c.req.param('name');
    if (!wantsHtml(c)) {
      c.header('Allow', 'POST');
      const message = `GET /fn/${name} answers the end-user page to a browser (Accept: text/html); call the deployment with POST`;
      return c.json({ error: { code: 'method_not_allowed', message } }, 405);
    }
    const share = c.req.query('share');
    if (share !== undefined) {
      try {
        const link = await shareLinks.admit(name, share);
        const seconds = Math.floor((link.expiresAt.getTime() - Date.now()) / 1000);
        session.setShareToken(c, name, share, seconds);
        return html(c, openingPageHtml(`/fn/${encodeURIComponent(name)}`));
      } catch (err) {
        return refusedPage(c, name, err);
      }
    }
    try {
      const a = await access(c, name);
      const d = await dataPlane.describe({ name, token: a.token });
      return html(c, await render(c, d, a, {}));
    } catch (err) {
      return refusedPage(c, name, err);
    }
  });

  const limit = bodyLimit({
    maxSize: Math.max(deps.maxUploadBytes, deps.maxBodyBytes),
    onError: (c) =>
      html(
        c,
        problemPageHtml(
          'Upload too large',
          `The upload is over the limit of ${deps.maxUploadBytes} bytes; send a smaller file.`,
        ),
        413,
      ),
  });

  app.post('/:name/page', limit, async (c) => {
    const name = c.req.param('name');
    let a: Access;
    let d: DeploymentView;
    try {
      a = await access(c, name);
      if (a.linkId && !deps.rate.take(a.linkId, a.ratePerMinute!)) {
        c.header('Retry-After', String(deps.rate.retryAfter(a.linkId)));
        return html(
          c,
          problemPageHtml(
            'Too many requests',
            `This share link allows ${a.ratePerMinute} predictions a minute; try again shortly.`,
          ),
          429,
        );
      }
      d = await dataPlane.describe({ name, token: a.token });
    } catch (err) {
      return refusedPage(c, name, err);
    }
    const form = await c.req.parseBody();
    if (!a.bearer && !session.checkCsrf(c, name, form[CSRF_FIELD]))
      return html(
        c,
        problemPageHtml(
          'The form expired',
          'The form was not sent from this page, or it is too old. Reload the page and try again.',
        ),
        403,
      );
    const view = (extra: Partial<DeploymentPageView>) => render(c, d, a, extra);
    const csv = form.csv;
    if (csv instanceof File) {
      try {
        const scored = await scoreCsv({
          dataPlane,
          caller: caller(c, name, a.token),
          signature: d.signature,
          file: csv,
          maxRows: deps.maxBatch,
          maxBytes: deps.maxUploadBytes,
        });
        return html(c, await view({ answer: { html: scoredCsvHtml(scored) } }));
      } catch (err) {
        if (err instanceof SlipwayError && err.status === 413) return errorPage(c, err);
        if (err instanceof SlipwayError && err.status < 500)
          return html(
            c,
            await view({ problem: `The CSV file cannot be scored: ${err.message}` }),
            400,
          );
        return problemOf(c, err, view);
      }
    }
    const fields = formFields(d.signature);
    const values = postedValues(form, fields);
    const parsed = formBody(fields, values);
    if (!parsed.ok)
      return html(
        c,
        await view({ values, errors: new Map(parsed.errors.map((e) => [e.field, e.message])) }),
        400,
      );
    try {
      const result = await dataPlane.invoke({
        ...caller(c, name, a.token),
        records: async () => ({ json: parsed.body }),
        parameters: async () => ({ json: parsed.body, text: {} }),
      });
      if (result.kind === 'predictions') {
        const json = encodeRecordsResponse({ ...result, single: true });
        return html(
          c,
          await view({
            values,
            answer: { html: predictionHtml(result.predictions[0]), json, request: parsed.body },
          }),
        );
      }
      if (result.status !== 'succeeded') throw new Error('a page call never runs asynchronously');
      const { id, version, outputs, durationMs } = result;
      return html(
        c,
        await view({
          values,
          answer: {
            html: outputsHtml(outputs),
            json: { id, version, outputs, durationMs },
            request: parsed.body,
          },
        }),
      );
    } catch (err) {
      if (
        err instanceof SlipwayError &&
        err.status === 400 &&
        err.field &&
        fields.some((f) => f.name === err.field)
      )
        return html(c, await view({ values, errors: new Map([[err.field, err.message]]) }), 400);
      if (err instanceof SlipwayError && err.status === 401) return refusedPage(c, name, err);
      return problemOf(c, err, view, values);
    }
  });

  async function problemOf(
    c: Context,
    err: unknown,
    view: (extra: Partial<DeploymentPageView>) => Promise<string>,
    values?: DeploymentPageView['values'],
  ) {
    if (!(err instanceof SlipwayError) || err.status >= 500) deps.reportError(err);
    const { status, body } = toErrorResponse(err);
    return html(c, await view({ values, problem: body.error.message }), status as 400);
  }

  return app;
}
