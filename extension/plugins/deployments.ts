import type {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin,
} from '@jupyterlab/application';
import { ILayoutRestorer as RestorerToken } from '@jupyterlab/application';
import { ICommandPalette, InputDialog, showErrorMessage } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';
import { userMessage } from '../client/errors.js';
import { monitorChoices } from '../models/monitor-picker.js';
import { ISlipway } from '../tokens.js';
import { DeploymentsPanel } from '../widgets/DeploymentsPanel.js';

const CommandIDs = {
  openDeployments: 'slipway:open-deployments',
  openMonitor: 'slipway:open-monitor',
} as const;

/** A slipway (boat ramp) mark for the sidebar tab. */
export const slipwayIcon = new LabIcon({
  name: 'slipway:icon',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path class="jp-icon3" fill="#616161" d="M3 19h18v2H3zm1.5-3 6-9 2 3 3-4.5L21 16z"/></svg>',
});

/** The deployments sidebar and the command that opens a monitoring panel. */
export const deploymentsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'slipway:deployments',
  description: 'Lists Slipway deployments in the left sidebar and opens their monitors.',
  autoStart: true,
  requires: [ISlipway],
  optional: [RestorerToken, ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    slipway: ISlipway,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
  ) => {
    const trans = (translator ?? nullTranslator).load('slipway');
    const panel = new DeploymentsPanel({
      client: slipway.client,
      openMonitor: (name) => slipway.openMonitor(name),
      trans,
    });
    panel.title.icon = slipwayIcon;
    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, panel.id);
    slipway.deploymentsChanged.connect(() => {
      if (panel.isVisible) void panel.refresh();
    });

    app.commands.addCommand(CommandIDs.openDeployments, {
      label: trans.__('Show Slipway Deployments'),
      caption: trans.__('Every deployment with its status, version and URL'),
      execute: () => {
        app.shell.activateById(panel.id);
        void panel.refresh();
      },
    });
    app.commands.addCommand(CommandIDs.openMonitor, {
      label: trans.__('Open Slipway Monitor…'),
      caption: trans.__('Traffic, errors, latency and recent calls of one deployment'),
      execute: async (args) => {
        const name = (args.name as string | undefined) ?? (await pickDeployment());
        if (name) slipway.openMonitor(name, { ref: args.ref as string | undefined });
      },
    });
    // Open monitors come back with the workspace, where they were.
    void restorer?.restore(slipway.monitors, {
      command: CommandIDs.openMonitor,
      args: (widget) => ({ name: widget.content.model.name }),
      name: (widget) => widget.content.model.name,
    });

    /** Asks which deployment to monitor, from those the gateway has; null when cancelled. */
    async function pickDeployment(): Promise<string | null> {
      let deployments;
      try {
        deployments = await slipway.client.deployments();
      } catch (err) {
        await showErrorMessage(trans.__('Open Slipway Monitor'), userMessage(err));
        return null;
      }
      if (!deployments.length) {
        await showErrorMessage(
          trans.__('Open Slipway Monitor'),
          trans.__(
            'Nothing published yet: use Publish in a notebook toolbar, or right-click a model file.',
          ),
        );
        return null;
      }
      const choices = monitorChoices(
        deployments,
        trans,
        slipway.monitors.currentWidget?.content.model.name,
      );
      const answer = await InputDialog.getItem({
        title: trans.__('Monitor which deployment?'),
        label: trans.__('Deployment'),
        items: choices.items,
        current: choices.current,
        okLabel: trans.__('Open'),
      });
      return answer.button.accept ? choices.nameOf(answer.value) : null;
    }
    const category = trans.__('Slipway');
    palette?.addItem({ command: CommandIDs.openDeployments, category });
    palette?.addItem({ command: CommandIDs.openMonitor, category });
  },
};
