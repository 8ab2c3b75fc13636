import type { TranslationBundle } from '@jupyterlab/translation';
import { windowLabel, type WindowId } from '../models/figures.js';
import type { WindowedView } from '../models/remote-view.js';
import { el } from './dom.js';

/** A labelled table of the monitor's style: header cells, then the body given. */
export function monitorTable(
  label: string,
  heads: string[],
  body: HTMLTableSectionElement,
): HTMLTableElement {
  return el('table', { class: 'jp-SlipwayMonitor-table', 'aria-label': label }, [
    el('thead', {}, [
      el(
        'tr',
        {},
        heads.map((h) => el('th', { scope: 'col' }, [h])),
      ),
    ]),
    body,
  ]);
}

/** A picker of fixed choices: values are ids, the text is the user's words. */
export function picker<T extends string>(
  label: string,
  choices: { value: T; text: string }[],
  selected: T,
  onChange: (value: T) => void,
): HTMLSelectElement {
  const select = el(
    'select',
    { 'aria-label': label, class: 'jp-mod-styled' },
    choices.map((c) => el('option', { value: c.value, selected: c.value === selected }, [c.text])),
  );
  select.addEventListener('change', () => onChange(select.value as T));
  return select;
}

/** The picker of a tab's windows (last hour, last 24 hours…): choosing one fetches again. */
export function windowPicker(
  windows: WindowId[],
  model: WindowedView<unknown>,
  trans: TranslationBundle,
): HTMLSelectElement {
  return picker(
    trans.__('Window'),
    windows.map((id) => ({ value: id, text: windowLabel(id, trans) })),
    model.window,
    (id) => void model.setWindow(id),
  );
}
