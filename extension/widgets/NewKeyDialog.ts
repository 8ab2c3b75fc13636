import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import type { NewInvokeKey } from '../../gateway/src/protocol/keys.js';
import type { GatewayClient } from '../client/gateway-client.js';
import { userMessage } from '../client/errors.js';
import {
  DEFAULT_GRACE_MINUTES,
  MAX_GRACE_MINUTES,
  rotationProblem,
  rotationRequest,
  type KeyRotationDraft,
  type OldKeysChoice,
} from '../models/key-rotation.js';
import { copyableField } from './copyable-field.js';
import { el } from './dom.js';

/** The question of the "New invoke key…" dialog: what happens to the old keys. */
export class KeyRotationForm extends Widget {
  private readonly minutes: HTMLInputElement;

  constructor(opts: {
    initial: KeyRotationDraft;
    problem: string | null;
    trans: TranslationBundle;
  }) {
    super();
    const { initial, problem, trans } = opts;
    this.addClass('jp-SlipwayKeyRotation');
    const radio = (value: OldKeysChoice, label: string, extra?: Node) =>
      el('label', { class: 'jp-SlipwayKeyRotation-choice' }, [
        el('input', {
          type: 'radio',
          name: 'oldKeys',
          value,
          checked: initial.oldKeys === value,
        }),
        ` ${label}`,
        extra,
      ]);
    this.minutes = el('input', {
      class: 'jp-mod-styled jp-SlipwayKeyRotation-minutes',
      type: 'number',
      name: 'graceMinutes',
      min: '1',
      max: String(MAX_GRACE_MINUTES),
      step: '1',
      value: String(initial.graceMinutes),
      'aria-label': trans.__('Grace period in minutes'),
    });
    this.node.append(
      el('p', {}, [trans.__('A new key is issued and shown once. The old keys:')]),
      radio('keep', trans.__('keep working (revoke them later)')),
      radio(
        'grace',
        trans.__('keep working for a grace period of'),
        el('span', {}, [' ', this.minutes, ` ${trans.__('minutes')}`]),
      ),
      radio('now', trans.__('stop working now')),
    );
    if (problem)
      this.node.append(el('p', { class: 'jp-SlipwayKeyRotation-error', role: 'alert' }, [problem]));
  }

  getValue(): KeyRotationDraft {
    const checked = this.node.querySelector<HTMLInputElement>('input[name="oldKeys"]:checked');
    return {
      oldKeys: (checked?.value as OldKeysChoice | undefined) ?? 'keep',
      graceMinutes: Number(this.minutes.value),
    };
  }
}

/** The new key, shown once, with a Copy button. */
export class NewKeyResult extends Widget {
  constructor(key: NewInvokeKey, trans: TranslationBundle) {
    super();
    this.addClass('jp-SlipwayPublishResult');
    this.addClass('jp-SlipwayNewKey');
    this.node.append(
      copyableField(trans, {
        label: trans.__('Invoke key'),
        copyLabel: trans.__('Copy invoke key'),
        value: key.key,
        cls: 'jp-SlipwayPublishResult-key',
      }),
      el('p', { class: 'jp-SlipwayPublishResult-help' }, [
        trans.__(
          'The key is shown once: keep it. Callers send it as "Authorization: Bearer <key>".',
        ),
      ]),
    );
  }
}

/**
 * "New invoke key…": asks what happens to the old keys, issues the key and shows it once.
 * Resolves with the new key, or null when cancelled or refused (the error is shown).
 */
export async function issueNewInvokeKey(opts: {
  client: GatewayClient;
  name: string;
  trans: TranslationBundle;
}): Promise<NewInvokeKey | null> {
  const { client, name, trans } = opts;
  let draft: KeyRotationDraft = { oldKeys: 'keep', graceMinutes: DEFAULT_GRACE_MINUTES };
  let problem: string | null = null;
  for (;;) {
    const answer = await showDialog({
      title: trans.__('New invoke key for %1', name),
      body: new KeyRotationForm({ initial: draft, problem, trans }),
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: trans.__('Issue key') })],
    });
    if (!answer.button.accept || !answer.value) return null;
    draft = answer.value;
    problem = rotationProblem(draft, trans);
    if (!problem) break;
  }
  let key: NewInvokeKey;
  try {
    key = await client.issueInvokeKey(name, rotationRequest(draft));
  } catch (err) {
    await showErrorMessage(trans.__('Could not issue a key for %1', name), userMessage(err));
    return null;
  }
  await showDialog({
    title: trans.__('New invoke key for %1', name),
    body: new NewKeyResult(key, trans),
    buttons: [Dialog.okButton({ label: trans.__('Done') })],
  });
  return key;
}
