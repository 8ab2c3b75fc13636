import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import type { Me } from '../../gateway/src/protocol/identity.js';
import { ISlipway } from '../tokens.js';
import { AuditLogPanel } from '../widgets/AuditLogPanel.js';

const OPEN_AUDIT_LOG = 'slipway:open-audit-log';

/** The audit log, for the gateway's admins: the command shows only to them. */
export const auditPlugin: JupyterFrontEndPlugin<void> = {
  id: 'slipway:audit',
  description: "Shows the gateway's audit log to its admins.",
  autoStart: true,
  requires: [ISlipway],
  optional: [ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    slipway: ISlipway,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
  ) => {
    const trans = (translator ?? nullTranslator).load('slipway');
    let me: Me | undefined;
    let open: MainAreaWidget<AuditLogPanel> | undefined;
    app.commands.addCommand(OPEN_AUDIT_LOG, {
      label: trans.__('Slipway Audit Log'),
      caption: trans.__('Every management action: who, what, when, from where, and the result'),
      isVisible: () => Array.isArray(me?.permissions) && me.permissions.includes('admin'),
      execute: async () => {
        if (!open || open.isDisposed) {
          open = new MainAreaWidget({ content: new AuditLogPanel(slipway.client, trans) });
          open.id = 'slipway-audit-log-area';
          open.title.label = open.content.title.label;
          open.title.closable = true;
          app.shell.add(open, 'main');
        }
        app.shell.activateById(open.id);
        await open.content.refresh();
      },
    });
    palette?.addItem({ command: OPEN_AUDIT_LOG, category: trans.__('Slipway') });
    // Whether the user is an admin is the gateway's to say: asked once the extension is set up.
    void slipway.ready
      .then(() => slipway.client.me())
      .then(
        (who) => {
          me = who;
          app.commands.notifyCommandChanged(OPEN_AUDIT_LOG);
        },
        () => {},
      );
  },
};
