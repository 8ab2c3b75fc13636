import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { MainAreaWidget, Notification, WidgetTracker } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator, type TranslationBundle } from '@jupyterlab/translation';
import { Signal, type ISignal } from '@lumino/signaling';
import { GatewayClient } from '../client/gateway-client.js';
import { LiveEvents } from '../client/live-events.js';
import { xhrUploader } from '../client/upload.js';
import { proxyBase, proxyStatus, serverFetch, serverUploader } from '../client/jupyter-server.js';
import { GatewayUnreachableError, ServerSetupError, userMessage } from '../client/errors.js';
import { MonitorModel } from '../models/monitor-model.js';
import { monitorPlacement } from '../models/monitor-placement.js';
import type { MonitorTab } from '../models/monitor-tabs.js';
import { MonitorPanel } from '../widgets/MonitorPanel.js';
import { ISlipway } from '../tokens.js';
import { openRunNotebook } from './run-notebook.js';

const PLUGIN_ID = 'slipway:core';

/**
 * Checks the Jupyter server's proxy and the gateway behind it, and says, once and in words,
 * what is wrong and who fixes it (the server's set-up is its administrator's).
 */
async function announceGateway(
  server: ServerConnection.ISettings,
  client: GatewayClient,
  trans: TranslationBundle,
): Promise<void> {
  try {
    const status = await proxyStatus(server).catch((cause: unknown) => {
      throw new GatewayUnreachableError(trans, proxyBase(server), { cause });
    });
    if (!status?.configured) throw new ServerSetupError(trans, status?.problem ?? null);
    const health = await client.check();
    Notification.success(
      trans.__('Slipway gateway %1, through the Jupyter server', health.version),
      {
        autoClose: 3000,
      },
    );
  } catch (err) {
    Notification.error(userMessage(err), { autoClose: false });
  }
}

/** The service behind the `ISlipway` token. */
class SlipwayService implements ISlipway {
  readonly client: GatewayClient;
  refreshSeconds = 2;
  ready: Promise<void> = Promise.resolve();
  /** The open monitors, most recently shown first; saved with the workspace. */
  readonly monitors = new WidgetTracker<MainAreaWidget<MonitorPanel>>({
    namespace: 'slipway-monitor',
  });
  private readonly _deploymentsChanged = new Signal<ISlipway, void>(this);

  /**
   * The gateway is reached through the Jupyter server (Slipway's server extension), which
   * holds its URL and credential: the browser authenticates to the Jupyter server only.
   */
  constructor(
    private readonly app: JupyterFrontEnd,
    private readonly trans: TranslationBundle,
    readonly server: ServerConnection.ISettings,
  ) {
    this.client = new GatewayClient(
      { baseUrl: proxyBase(server), token: '' },
      { trans, fetch: serverFetch(server), upload: serverUploader(server, xhrUploader) },
    );
  }

  get deploymentsChanged(): ISignal<ISlipway, void> {
    return this._deploymentsChanged;
  }

  notifyDeploymentsChanged(): void {
    this._deploymentsChanged.emit();
  }

  openMonitor(name: string, options: { ref?: string; tab?: MonitorTab } = {}): void {
    const open = this.monitors.find((w) => w.content.model.name === name);
    if (open) {
      this.app.shell.activateById(open.id);
      if (options.tab) open.content.showTab(options.tab);
      void open.content.refresh();
      return;
    }
    const panel = new MonitorPanel({
      model: new MonitorModel(name, this.client),
      trans: this.trans,
      refreshSeconds: this.refreshSeconds,
      events: new LiveEvents({ connect: (signal) => this.client.events(name, signal) }),
      openRunNotebook: async (run, notebook) => {
        await openRunNotebook(this.app, run, notebook);
      },
    });
    if (options.tab) panel.showTab(options.tab);
    const widget = new MainAreaWidget({ content: panel });
    widget.id = panel.id;
    widget.title.label = panel.title.label;
    widget.title.closable = true;
    const ref = options.ref
      ? Array.from(this.app.shell.widgets('main')).find((w) => w.id === options.ref)
      : undefined;
    const placement = monitorPlacement({
      monitor: this.monitors.currentWidget?.id,
      ref: ref?.id,
      refWidth: ref?.node.offsetWidth,
    });
    this.app.shell.add(widget, 'main', placement);
    void this.monitors.add(widget);
    this.app.shell.activateById(widget.id);
  }

  /** Follows the settings (UI preferences only); resolves once they are read. */
  async follow(registry: ISettingRegistry): Promise<void> {
    const settings = await registry.load(PLUGIN_ID);
    const apply = () => {
      this.refreshSeconds = (settings.composite.refreshSeconds as number | undefined) ?? 2;
    };
    apply();
    settings.changed.connect(apply);
  }
}

/** The gateway connection (from the settings) and the monitoring panels. */
export const corePlugin: JupyterFrontEndPlugin<ISlipway> = {
  id: PLUGIN_ID,
  description: 'Connects to the Slipway gateway and opens monitoring panels.',
  autoStart: true,
  provides: ISlipway,
  optional: [ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    registry: ISettingRegistry | null,
    translator: ITranslator | null,
  ): ISlipway => {
    const trans = (translator ?? nullTranslator).load('slipway');
    const service = new SlipwayService(app, trans, app.serviceManager.serverSettings);
    service.ready = (registry ? service.follow(registry) : Promise.resolve()).catch((err) => {
      Notification.error(trans.__('Slipway settings could not be loaded: %1', userMessage(err)));
    });
    void service.ready.then(() => announceGateway(service.server, service.client, trans));
    return service;
  },
};
