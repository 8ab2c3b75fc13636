import type { TranslationBundle } from '@jupyterlab/translation';
import { showValue } from '../models/call-values.js';
import { formatLatency } from '../models/monitor-model.js';
import { KEY_VARIABLE, type TryItModel } from '../models/try-it-model.js';
import { copyableField } from './copyable-field.js';
import { el } from './dom.js';
import { MonitorPage } from './MonitorPage.js';
import { CallForm } from './TryItForm.js';

/**
 * The "Try it" tab: a form generated from the deployment's signature, Send, the answer, and
 * the same call as curl, Python (`requests`) and JavaScript (`fetch`) to paste elsewhere.
 */
export class TryItTab extends MonitorPage<TryItModel> {
  private form: CallForm | null = null;
  private formVersion = -1;
  private readonly formSlot = el('div', { class: 'jp-SlipwayTryIt-form' });
  private readonly sendButton: HTMLButtonElement;
  private readonly response = el('section', { class: 'jp-SlipwayTryIt-response', hidden: true });
  private readonly snippets = el('section', { class: 'jp-SlipwayTryIt-snippets' });
  private snippetsKey = '';

  constructor(model: TryItModel, trans: TranslationBundle) {
    super(model, trans, 'tryit', trans._p('monitor tab', 'Try it'));
    this.addClass('jp-SlipwayTryIt');
    this.sendButton = el(
      'button',
      { type: 'button', class: 'jp-mod-styled jp-mod-accept', onClick: () => void model.send() },
      [trans.__('Send')],
    );
    this.response.setAttribute('aria-label', trans.__('Response'));
    this.snippets.setAttribute('aria-label', trans.__('The same call as code'));
    this.node.append(
      this.error,
      el('h3', {}, [trans.__('Call %1', model.name)]),
      el('p', { class: 'jp-SlipwayMonitor-help' }, [
        trans.__('Sent with the admin token, as a caller with an invoke key would send it.'),
      ]),
      this.formSlot,
      el('div', { class: 'jp-SlipwayTryIt-actions' }, [this.sendButton]),
      this.response,
      el('h3', {}, [trans.__('The same call as code')]),
      this.snippets,
    );
    this.formSlot.append(el('p', {}, [this.loadingText()]));
  }

  override dispose(): void {
    this.form?.dispose();
    super.dispose();
  }

  protected render(): void {
    const { model, trans } = this;
    this.renderError();
    if (!model.value) return;
    if (this.formVersion !== model.formVersion) {
      this.form?.dispose();
      this.form = new CallForm({
        fields: model.fields,
        values: model.values,
        trans,
        onChange: (field, value) => model.setValue(field, value),
        onSubmit: () => void model.send(),
      });
      this.formSlot.replaceChildren(this.form.node);
      this.formVersion = model.formVersion;
    }
    this.form?.showErrors(model.errors);
    this.sendButton.disabled = model.sending;
    this.sendButton.textContent = model.sending ? trans.__('Sending…') : trans.__('Send');
    this.renderResponse();
    this.renderSnippets();
  }

  private renderResponse(): void {
    const { model, trans } = this;
    const r = model.result;
    this.response.hidden = !r && !model.sendError;
    if (model.sendError) {
      this.response.replaceChildren(
        el('p', { class: 'jp-SlipwayMonitor-error', role: 'alert' }, [model.sendError]),
      );
      return;
    }
    if (!r) return;
    const shown = showValue(r.body);
    this.response.replaceChildren(
      el('h3', {}, [trans.__('Response')]),
      el(
        'p',
        {
          class: `jp-SlipwayTryIt-status ${r.status >= 400 ? 'jp-mod-error' : 'jp-mod-ok'}`,
          role: 'status',
        },
        [trans.__('HTTP %1 in %2', r.status, formatLatency(r.ms, trans))],
      ),
      el('pre', { class: 'jp-SlipwayCallDetail-value', 'aria-label': trans.__('Response body') }, [
        shown.text,
      ]),
      ...shown.images.map((img) =>
        el('figure', { class: 'jp-SlipwayCallDetail-image' }, [
          el('img', { src: img.src, alt: trans.__('Response %1', img.label) }),
          el('figcaption', {}, [img.label]),
        ]),
      ),
    );
  }

  private renderSnippets(): void {
    const { model, trans } = this;
    const s = model.snippets();
    const key = JSON.stringify(s);
    // Drawn again only when the call changed: a Copy button keeps its "Copied".
    if (key === this.snippetsKey) return;
    this.snippetsKey = key;
    if (!s) {
      this.snippets.replaceChildren(
        el('p', { class: 'jp-SlipwayMonitor-help' }, [
          trans.__('Fill in the form to see the call as code.'),
        ]),
      );
      return;
    }
    const field = (label: string, value: string, cls: string) =>
      copyableField(trans, {
        label,
        copyLabel: trans.__('Copy %1', label),
        value,
        cls: `jp-SlipwayTryIt-snippet ${cls}`,
        multiline: true,
      });
    this.snippets.replaceChildren(
      model.value?.public
        ? el('p', { class: 'jp-SlipwayMonitor-help' }, [trans.__('A public deployment: no key.')])
        : el('p', { class: 'jp-SlipwayMonitor-help' }, [
            trans.__('Set %1 to an invoke key first, e.g. export %1=sk_…', KEY_VARIABLE),
          ]),
      field(trans.__('curl'), s.curl, 'jp-mod-curl'),
      field(trans.__('Python (requests)'), s.python, 'jp-mod-python'),
      field(trans.__('JavaScript (fetch)'), s.javascript, 'jp-mod-javascript'),
    );
  }
}
