import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import {
  cellsLosingTag,
  OUTPUT_TAG,
  PARAMETERS_TAG,
  tagsOf,
  toggleTag,
} from '../models/cell-tags.js';
import { showCellTags } from '../widgets/cell-tag-badges.js';

const CommandIDs = {
  tagParameters: 'slipway:tag-parameters',
  tagOutput: 'slipway:tag-output',
} as const;

/** Tag as parameters / Tag as output on the active cell, and the tags shown on cells. */
export const tagsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'slipway:tags',
  description: 'Tags notebook cells as papermill parameters or Slipway outputs.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
  ) => {
    const trans = (translator ?? nullTranslator).load('slipway');
    const setTags = (
      model: { setMetadata(k: string, v: unknown): void; deleteMetadata(k: string): void },
      tags: string[],
    ) => (tags.length ? model.setMetadata('tags', tags) : model.deleteMetadata('tags'));
    const activeTags = () => tagsOf(tracker.activeCell?.model.getMetadata('tags'));
    const add = (id: string, tag: string, label: string, caption: string) => {
      app.commands.addCommand(id, {
        label,
        caption,
        isEnabled: () => tracker.activeCell !== null,
        isToggled: () => activeTags().includes(tag),
        execute: () => {
          const cell = tracker.activeCell;
          if (!cell) return;
          const notebook = tracker.currentWidget?.content;
          if (notebook) {
            const all = notebook.widgets.map((c) => tagsOf(c.model.getMetadata('tags')));
            const losing = cellsLosingTag(all, notebook.activeCellIndex, tag);
            for (const i of losing) setTags(notebook.widgets[i]!.model, toggleTag(all[i], tag));
            if (losing.length)
              Notification.info(
                trans.__(
                  'Moved the "%1" tag here from cell %2: papermill reads one parameters cell.',
                  tag,
                  losing.map((i) => i + 1).join(', '),
                ),
                { autoClose: 5000 },
              );
          }
          setTags(cell.model, toggleTag(activeTags(), tag));
          app.commands.notifyCommandChanged(id);
        },
      });
      palette?.addItem({ command: id, category: trans.__('Slipway') });
    };
    add(
      CommandIDs.tagParameters,
      PARAMETERS_TAG,
      trans.__('Tag as Parameters'),
      trans.__(
        'Toggle the papermill "parameters" tag: this cell holds the defaults a call overrides',
      ),
    );
    add(
      CommandIDs.tagOutput,
      OUTPUT_TAG,
      trans.__('Tag as Output'),
      trans.__('Toggle the "output" tag: a call returns this cell\'s outputs'),
    );
    // The checked state follows the active cell, and its tags however they change (the
    // property inspector, undo, another cell's toggle moving the parameters tag).
    const refresh = () => {
      app.commands.notifyCommandChanged(CommandIDs.tagParameters);
      app.commands.notifyCommandChanged(CommandIDs.tagOutput);
    };
    let watched: { metadataChanged: { disconnect(f: () => void): void } } | null = null;
    tracker.activeCellChanged.connect((_, cell) => {
      watched?.metadataChanged.disconnect(refresh);
      watched = cell?.model ?? null;
      cell?.model.metadataChanged.connect(refresh);
      refresh();
    });
    tracker.widgetAdded.connect((_, panel) => showCellTags(panel, trans));
  },
};
