import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import type { FormError, FormField, FormValues } from '../../gateway/src/protocol/call-form.js';
import { el } from './dom.js';

/** What a call form needs. */
export interface CallFormOptions {
  fields: readonly FormField[];
  /** What was entered before (kept across refreshes); a field's initial value otherwise. */
  values: Readonly<FormValues>;
  trans: TranslationBundle;
  /** Told each change, as the user types. */
  onChange: (field: string, value: string | boolean) => void;
  /** Enter in a one-line field. */
  onSubmit?: () => void;
}

/**
 * The inputs of a call form generated from a signature (`call-form.ts`): a typed input per
 * field, a picker for categories, a checkbox for booleans, JSON text for tensors, each with
 * its type, its help and the error of the last Send.
 */
export class CallForm extends Widget {
  private readonly errorNodes = new Map<string, HTMLElement>();

  constructor(private readonly opts: CallFormOptions) {
    super({ node: el('form', { class: 'jp-SlipwayCallForm', novalidate: true }) });
    this.node.addEventListener('submit', (e) => {
      e.preventDefault();
      opts.onSubmit?.();
    });
    this.node.append(...opts.fields.map((f) => this.row(f)));
    if (opts.fields.length === 0)
      this.node.append(el('p', {}, [opts.trans.__('This deployment takes no inputs.')]));
  }

  /** Shows each field's mistake under it; clears the others. */
  showErrors(errors: readonly FormError[]): void {
    for (const [name, node] of this.errorNodes) {
      const error = errors.find((e) => e.field === name);
      node.textContent = error?.message ?? '';
      node.hidden = !error;
      const input = [...this.node.querySelectorAll<HTMLElement>('[data-field]')].find(
        (n) => n.dataset.field === name,
      );
      if (error) input?.setAttribute('aria-invalid', 'true');
      else input?.removeAttribute('aria-invalid');
    }
  }

  private row(f: FormField): HTMLElement {
    const { trans } = this.opts;
    const id = `jp-SlipwayCallForm-${Math.random().toString(36).slice(2)}`;
    const errorId = `${id}-error`;
    const error = el('span', { class: 'jp-SlipwayCallForm-error', id: errorId, hidden: true });
    this.errorNodes.set(f.name, error);
    const value = this.opts.values[f.name] ?? f.initial;
    const common = {
      id,
      'data-field': f.name,
      'aria-describedby': errorId,
      'aria-required': f.required ? 'true' : undefined,
    };
    let input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
    switch (f.kind) {
      case 'boolean':
        input = el('input', { ...common, type: 'checkbox', checked: value === true });
        input.addEventListener('change', () =>
          this.opts.onChange(f.name, (input as HTMLInputElement).checked),
        );
        break;
      case 'choice':
        input = el(
          'select',
          { ...common, class: 'jp-mod-styled' },
          f.choices.map((c) =>
            el('option', { value: String(c.value), selected: String(c.value) === value }, [
              c.label,
            ]),
          ),
        );
        input.addEventListener('change', () => this.opts.onChange(f.name, input.value));
        break;
      // An image field is its JSON here; only the end-user page has the file picker so far.
      case 'json':
      case 'image':
        input = el('textarea', { ...common, class: 'jp-mod-styled', rows: '3' });
        input.value = String(value);
        input.addEventListener('input', () => this.opts.onChange(f.name, input.value));
        break;
      default:
        input = el('input', {
          ...common,
          class: 'jp-mod-styled',
          type: 'text',
          inputmode: f.kind === 'number' || f.kind === 'integer' ? 'decimal' : undefined,
          placeholder: placeholder(f, trans),
        });
        input.value = String(value);
        input.addEventListener('input', () => this.opts.onChange(f.name, input.value));
    }
    const type = f.kind === 'list' && f.length !== null ? `${f.type}[${f.length}]` : f.type;
    return el('div', { class: 'jp-SlipwayCallForm-field' }, [
      el('label', { for: id }, [f.name]),
      input,
      el('span', { class: 'jp-SlipwayCallForm-type' }, [
        f.required ? type : trans.__('%1, optional', type),
      ]),
      f.help ? el('span', { class: 'jp-SlipwayCallForm-help' }, [f.help]) : null,
      error,
    ]);
  }
}

function placeholder(f: FormField, trans: TranslationBundle): string | undefined {
  if (f.kind === 'list')
    return f.length === null
      ? trans.__('comma-separated values')
      : trans.__('%1 comma-separated values', f.length);
  if (f.kind === 'integer') return trans.__('a whole number');
  if (f.kind === 'number') return trans.__('a number');
  return undefined;
}
