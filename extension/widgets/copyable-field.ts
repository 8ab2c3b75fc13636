import { Clipboard } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { el } from './dom.js';

/** A labelled value with a Copy button: how a URL, a key or a command is handed to the user. */
export function copyableField(
  trans: TranslationBundle,
  opts: {
    label: string;
    /** The button's accessible name, e.g. "Copy invoke key". */
    copyLabel: string;
    value: string;
    /** The value's class. */
    cls: string;
    /** Shown as a block (`pre`), for commands. */
    multiline?: boolean;
  },
): HTMLDivElement {
  const { label, copyLabel, value, cls, multiline = false } = opts;
  const button = el(
    'button',
    { class: 'jp-mod-styled jp-SlipwayCopy', type: 'button', 'aria-label': copyLabel },
    [trans.__('Copy')],
  );
  button.addEventListener('click', () => {
    Clipboard.copyToSystem(value);
    button.textContent = trans.__('Copied');
  });
  const valueNode = multiline
    ? el('pre', { class: cls, 'aria-label': label }, [value])
    : el('code', { class: cls, 'aria-label': label }, [value]);
  return el('div', { class: 'jp-SlipwayPublishResult-field' }, [
    el('span', { class: 'jp-SlipwayPublishResult-label' }, [label]),
    valueNode,
    button,
  ]);
}
