import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import type { NewShareLink } from '../../gateway/src/protocol/share-links.js';
import type { GatewayClient } from '../client/gateway-client.js';
import { userMessage } from '../client/errors.js';
import { copyableField } from './copyable-field.js';
import { el } from './dom.js';

/** Longest life of a share link the gateway allows, in days. */
const MAX_DAYS = 366;

/** What the "Share page…" dialog asks: a label, and how many days the link works. */
export interface ShareLinkDraft {
  label: string;
  days: number;
}

/** The question of the "Share page…" dialog. */
export class ShareLinkForm extends Widget {
  private readonly label: HTMLInputElement;
  private readonly days: HTMLInputElement;

  constructor(opts: { initial: ShareLinkDraft; problem: string | null; trans: TranslationBundle }) {
    super();
    const { initial, problem, trans } = opts;
    this.addClass('jp-SlipwayShareLink');
    this.label = el('input', {
      class: 'jp-mod-styled',
      type: 'text',
      name: 'label',
      value: initial.label,
      'aria-label': trans.__('Who the link is for'),
    });
    this.days = el('input', {
      class: 'jp-mod-styled',
      type: 'number',
      name: 'days',
      min: '1',
      max: String(MAX_DAYS),
      step: '1',
      value: String(initial.days),
      'aria-label': trans.__('Days the link works'),
    });
    this.node.append(
      el('p', {}, [
        trans.__(
          'People with the link can use the page of this deployment only (its form), without a key, until it expires or you revoke it.',
        ),
      ]),
      el('label', {}, [trans.__('For (optional)'), ' ', this.label]),
      el('label', {}, [trans.__('Works for'), ' ', this.days, ` ${trans.__('days')}`]),
    );
    if (problem)
      this.node.append(el('p', { class: 'jp-SlipwayShareLink-error', role: 'alert' }, [problem]));
  }

  getValue(): ShareLinkDraft {
    return { label: this.label.value.trim(), days: Number(this.days.value) };
  }
}

/** What is wrong with a draft, or null. */
export function shareLinkProblem(draft: ShareLinkDraft, trans: TranslationBundle): string | null {
  return Number.isInteger(draft.days) && draft.days >= 1 && draft.days <= MAX_DAYS
    ? null
    : trans.__('Days: a whole number, 1 to %1', MAX_DAYS);
}

/**
 * "Share page…": asks for a label and a lifetime, creates the link and shows its URL once.
 * Resolves with the link, or null when cancelled or refused (the error is shown).
 */
export async function shareDeploymentPage(opts: {
  client: GatewayClient;
  name: string;
  trans: TranslationBundle;
}): Promise<NewShareLink | null> {
  const { client, name, trans } = opts;
  let draft: ShareLinkDraft = { label: '', days: 7 };
  let problem: string | null = null;
  for (;;) {
    const answer = await showDialog({
      title: trans.__('Share the page of %1', name),
      body: new ShareLinkForm({ initial: draft, problem, trans }),
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: trans.__('Create link') })],
    });
    if (!answer.button.accept || !answer.value) return null;
    draft = answer.value;
    problem = shareLinkProblem(draft, trans);
    if (!problem) break;
  }
  let link: NewShareLink;
  try {
    link = await client.createShareLink(name, {
      ...(draft.label ? { label: draft.label } : {}),
      expiresInSeconds: draft.days * 86_400,
    });
  } catch (err) {
    await showErrorMessage(trans.__('Could not share the page of %1', name), userMessage(err));
    return null;
  }
  const body = new Widget();
  body.addClass('jp-SlipwayPublishResult');
  body.node.append(
    copyableField(trans, {
      label: trans.__('Share link'),
      copyLabel: trans.__('Copy share link'),
      value: link.url,
      cls: 'jp-SlipwayPublishResult-url',
    }),
    el('p', { class: 'jp-SlipwayPublishResult-help' }, [
      trans.__(
        'The link is shown once. It works until %1; revoke it through the API.',
        link.expiresAt,
      ),
    ]),
  );
  await showDialog({
    title: trans.__('Share the page of %1', name),
    body,
    buttons: [Dialog.okButton({ label: trans.__('Done') })],
  });
  return link;
}
