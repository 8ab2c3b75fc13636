import type { TranslationBundle } from '@jupyterlab/translation';
import type { Deployment } from '../../gateway/src/protocol/index.js';
import type { TrainerInfo } from '../../gateway/src/protocol/retraining.js';
import { copyableField } from './copyable-field.js';
import { el } from './dom.js';
import { UploadProgress } from './UploadProgress.js';

/**
 * Upload progress, then what the user needs to call the function: URL, key, curl command.
 * Lives in a dialog that stays open while the upload runs.
 */
export class PublishResult extends UploadProgress {
  /** @param trans - The words of the result: the plugin's bundle. */
  constructor(trans: TranslationBundle) {
    super(trans, {
      before: trans.__('Uploading…'),
      sent: trans.__('Loading the model on the gateway…'),
    });
    this.status.classList.add('jp-SlipwayPublishResult-status');
  }

  /**
   * The published version: URL, key (when it was made now), curl; with `asyncCalls`, also the
   * asynchronous form of the call, for notebook runs longer than a client waits.
   */
  showDeployment(d: Deployment, { asyncCalls = false }: { asyncCalls?: boolean } = {}): void {
    const trans = this.trans;
    this.addClass('jp-mod-done');
    this.bar.remove();
    this.status.textContent = trans.__(
      'Version %1 of %2 is live (%3, %4 pool).',
      d.version,
      d.name,
      d.format,
      d.pool,
    );
    const copyable = (
      label: string,
      copyLabel: string,
      value: string,
      cls: string,
      multiline = false,
    ) => copyableField(trans, { label, copyLabel, value, cls, multiline });
    this.node.append(
      copyable(
        trans.__('Invoke URL'),
        trans.__('Copy invoke url'),
        d.invokeUrl,
        'jp-SlipwayPublishResult-url',
      ),
    );
    if (d.invokeKey)
      this.node.append(
        copyable(
          trans.__('Invoke key'),
          trans.__('Copy invoke key'),
          d.invokeKey,
          'jp-SlipwayPublishResult-key',
        ),
        el('p', { class: 'jp-SlipwayPublishResult-help' }, [
          trans.__(
            'The key is shown once: keep it. Callers send it as "Authorization: Bearer <key>".',
          ),
        ]),
      );
    else if (d.public)
      this.node.append(
        el('p', { class: 'jp-SlipwayPublishResult-help' }, [trans.__('Public: no key needed.')]),
      );
    this.node.append(
      copyable(
        trans._p('the command-line tool', 'curl'),
        trans.__('Copy curl'),
        d.curl,
        'jp-SlipwayPublishResult-curl',
        true,
      ),
    );
    if (asyncCalls)
      this.node.append(
        copyable(
          trans.__('Asynchronous call'),
          trans.__('Copy asynchronous curl'),
          d.curl.replace(`'${d.invokeUrl}'`, `'${d.invokeUrl}?async=true'`),
          'jp-SlipwayPublishResult-async',
          true,
        ),
        el('p', { class: 'jp-SlipwayPublishResult-help' }, [
          trans.__(
            'It answers 202 at once with a statusUrl; GET that URL with the same key until the status is done.',
          ),
        ]),
      );
    // The gateway's warnings are its own words: shown as they came.
    for (const w of d.warnings ?? [])
      this.node.append(el('p', { class: 'jp-SlipwayPublishResult-warning', role: 'note' }, [w]));
  }

  /** A training notebook was stored: which deployment it retrains, and its parameters. */
  showTrainer(t: TrainerInfo): void {
    const trans = this.trans;
    this.addClass('jp-mod-done');
    this.bar.remove();
    this.status.textContent = trans.__(
      '%1 is the training notebook of %2.',
      t.filename ?? trans.__('The notebook'),
      t.deployment,
    );
    this.node.append(
      el('p', { class: 'jp-SlipwayPublishResult-help' }, [
        t.parameters.length
          ? trans.__('Parameters it declares: %1.', t.parameters.join(', '))
          : trans.__(
              'It declares no parameters: tag a cell "parameters" so Slipway can pass it the data.',
            ),
      ]),
      el('p', { class: 'jp-SlipwayPublishResult-help' }, [
        trans.__("Retrain from the Retraining tab of %1's monitor.", t.deployment),
      ]),
    );
  }

  showError(message: string): void {
    this.addClass('jp-mod-error');
    this.bar.remove();
    this.status.textContent = this.trans.__('Not published.');
    this.node.append(el('p', { class: 'jp-SlipwayPublishResult-error', role: 'alert' }, [message]));
  }

  /**
   * Shows a refusal the user may override (a signature change) with a button that resolves
   * true when pressed; closing the dialog instead leaves it unresolved and nothing is sent.
   */
  offerAnyway(message: string, label: string): Promise<true> {
    this.showError(message);
    return new Promise((resolve) => {
      const button = el('button', { class: 'jp-mod-styled jp-mod-warn', type: 'button' }, [label]);
      button.addEventListener('click', () => {
        button.remove();
        this.removeClass('jp-mod-error');
        this.node.querySelector('.jp-SlipwayPublishResult-error')?.remove();
        this.status.textContent = '';
        resolve(true);
      });
      this.node.append(button);
    });
  }
}
