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
