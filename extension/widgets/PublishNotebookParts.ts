import type { TranslationBundle } from '@jupyterlab/translation';
import type { NotebookPreview } from '../models/notebook-checks.js';
import type { PublishOptions } from '../models/publish-options.js';
import { el } from './dom.js';

/** The notebook's own options of the publish form, with how to read them. */
export interface NotebookOptionInputs {
  maxConcurrency: HTMLInputElement;
  warmKernels: HTMLInputElement;
  idleSeconds: HTMLInputElement;
  asyncCalls: HTMLInputElement;
  value(): Pick<PublishOptions, 'maxConcurrency' | 'warmKernels' | 'idleSeconds' | 'asyncCalls'>;
}

/** A number field's value: undefined when empty; NaN when the browser holds something else. */
function numberOf(input: HTMLInputElement): number | undefined {
  const text = input.value.trim();
  // A type=number input answers '' for text it cannot read: that is not "empty".
  if (text === '') return input.validity?.badInput ? Number.NaN : undefined;
  return Number(text);
}

/** Concurrent calls, warm kernels, idle time and asynchronous calls of a notebook. */
export function notebookOptions(
  initial: PublishOptions,
  trans: TranslationBundle,
): NotebookOptionInputs {
  const number = (
    name: 'maxConcurrency' | 'warmKernels' | 'idleSeconds',
    label: string,
    placeholder: string,
    min: string,
  ) =>
    el('input', {
      type: 'number',
      name,
      min,
      step: name === 'idleSeconds' ? 'any' : '1',
      placeholder,
      value: initial[name] === undefined ? '' : String(initial[name]),
      'aria-label': label,
    });
  const inputs = {
    maxConcurrency: number('maxConcurrency', trans.__('Concurrent calls'), '4', '1'),
    warmKernels: number('warmKernels', trans.__('Warm kernels'), '2', '0'),
    idleSeconds: number('idleSeconds', trans.__('Idle time in seconds'), '600', '1'),
    asyncCalls: el('input', {
      type: 'checkbox',
      name: 'asyncCalls',
      checked: initial.asyncCalls === true,
      'aria-label': trans.__('Asynchronous calls'),
    }),
  };
  return {
    ...inputs,
    value: () => ({
      maxConcurrency: numberOf(inputs.maxConcurrency),
      warmKernels: numberOf(inputs.warmKernels),
      idleSeconds: numberOf(inputs.idleSeconds),
      asyncCalls: inputs.asyncCalls.checked || undefined,
    }),
  };
}

/** A default as the caller will see it: JSON, or the source when it is not a literal. */
function defaultText(p: NotebookPreview['parameters'][number], trans: TranslationBundle): string {
  return p.literal ? JSON.stringify(p.default) : trans.__('none (%1 is not a literal)', p.source);
}

/**
 * What the notebook will take and return, read from its cells before the upload, and the
 * warnings about what a caller would not expect.
 */
export function signaturePreview(preview: NotebookPreview, trans: TranslationBundle): HTMLElement {
  const rows = preview.parameters.map((p) =>
    el('tr', { class: p.literal ? undefined : 'jp-mod-warn' }, [
      el('td', {}, [p.name]),
      el('td', {}, [p.type]),
      el('td', {}, [defaultText(p, trans)]),
    ]),
  );
  const table = preview.parameters.length
    ? el(
        'table',
        { class: 'jp-SlipwayPublishForm-signature', 'aria-label': trans.__('Parameters') },
        [
          el('thead', {}, [
            el('tr', {}, [
              el('th', { scope: 'col' }, [trans.__('Parameter')]),
              el('th', { scope: 'col' }, [trans.__('Type')]),
              el('th', { scope: 'col' }, [trans.__('Default')]),
            ]),
          ]),
          el('tbody', {}, rows),
        ],
      )
    : el('p', { class: 'jp-SlipwayPublishForm-help' }, [trans.__('It takes no parameters.')]);
  return el(
    'section',
    { class: 'jp-SlipwayPublishForm-preview', 'aria-label': trans.__('What it will publish') },
    [
      el('h3', {}, [trans.__('Signature')]),
      table,
      el('p', { class: 'jp-SlipwayPublishForm-returns' }, [preview.returns]),
      preview.warnings.length
        ? el(
            'ul',
            { class: 'jp-SlipwayPublishForm-warnings', 'aria-label': trans.__('Warnings') },
            preview.warnings.map((w) =>
              el('li', { class: 'jp-SlipwayPublishForm-warning', 'data-kind': w.kind }, [
                w.message,
              ]),
            ),
          )
        : null,
    ],
  );
}
