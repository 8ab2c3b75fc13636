import type { TranslationBundle } from '@jupyterlab/translation';
import type { FieldSpec, PublishCheck } from '../../gateway/src/protocol/index.js';
import { el } from './dom.js';

/** A field's shape as the dialog writes it: `[?, 4]`, or empty for a scalar. */
const shapeText = (f: FieldSpec) =>
  f.shape ? `[${f.shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]` : '';

/**
 * What a checked model file would publish: its format and inputs (name, type, shape, the
 * categories it knows), and the warnings its runtime gave.
 */
export function modelInputsPreview(check: PublishCheck, trans: TranslationBundle): HTMLElement[] {
  const rows = check.signature.inputs.map((f) =>
    el('tr', {}, [
      el('td', {}, [f.name]),
      el('td', {}, [`${f.type}${shapeText(f)}`]),
      el('td', {}, [f.values ? f.values.map(String).join(', ') : '']),
    ]),
  );
  return [
    el('h3', {}, [trans.__('Signature')]),
    el('p', { class: 'jp-SlipwayPublishForm-help' }, [
      trans.__('%1 model, %2 inputs:', check.format, check.signature.inputs.length),
    ]),
    el(
      'table',
      { class: 'jp-SlipwayPublishForm-signature', 'aria-label': trans.__('Model inputs') },
      [
        el('thead', {}, [
          el('tr', {}, [
            el('th', { scope: 'col' }, [trans.__('Input')]),
            el('th', { scope: 'col' }, [trans.__('Type')]),
            el('th', { scope: 'col' }, [trans.__('Values')]),
          ]),
        ]),
        el('tbody', {}, rows),
      ],
    ),
    ...check.warnings.map((w) => el('p', { class: 'jp-SlipwayPublishForm-warning' }, [w])),
  ];
}
