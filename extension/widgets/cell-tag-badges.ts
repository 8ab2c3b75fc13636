import type { Cell } from '@jupyterlab/cells';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import { OUTPUT_TAG, PARAMETERS_TAG, tagsOf } from '../models/cell-tags.js';

const SHOWN = [PARAMETERS_TAG, OUTPUT_TAG];
const BADGES = 'jp-SlipwayCellTags';

/**
 * Shows the `parameters` and `output` tags on each cell of a notebook, kept in sync. The tags
 * are shown as written in the metadata (papermill reads them there); only the label is words.
 */
export function showCellTags(panel: NotebookPanel, trans: TranslationBundle): void {
  const notebook = panel.content;
  const watched = new WeakSet<Cell>();
  const sync = (cell: Cell) => {
    const tags = tagsOf(cell.model.getMetadata('tags')).filter((t) => SHOWN.includes(t));
    for (const t of SHOWN) cell.toggleClass(`jp-mod-slipway-${t}`, tags.includes(t));
    let badges = cell.node.querySelector<HTMLElement>(`:scope > .${BADGES}`);
    if (!tags.length) {
      badges?.remove();
      return;
    }
    if (!badges) {
      badges = document.createElement('div');
      badges.className = BADGES;
      badges.setAttribute('aria-label', trans.__('Slipway tags'));
      cell.node.prepend(badges);
    }
    badges.replaceChildren(
      ...tags.map((t) => {
        const b = document.createElement('span');
        b.className = `${BADGES}-tag jp-mod-${t}`;
        b.textContent = t;
        return b;
      }),
    );
  };
  const watchAll = () => {
    for (const cell of notebook.widgets) {
      if (!watched.has(cell)) {
        watched.add(cell);
        cell.model.metadataChanged.connect(() => sync(cell));
      }
      sync(cell);
    }
  };
  void panel.context.ready.then(() => {
    watchAll();
    notebook.model?.cells.changed.connect(() => requestAnimationFrame(watchAll));
  });
}
