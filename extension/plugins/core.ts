import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { MainAreaWidget, Notification, WidgetTracker } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator, type TranslationBundle } from '@jupyterlab/translation';
import { Signal, type ISignal } from '@lumino/signaling';
import { GatewayClient, type GatewayConnection } from '../client/gateway-client.js';
import { LiveEvents } from '../client/live-events.js';
import { xhrUploader } from '../client/upload.js';
import { proxyBase, proxyStatus, serverFetch, serverUploader } from '../client/jupyter-server.js';
import { userMessage } from '../client/errors.js';
import { MonitorModel } from '../models/monitor-model.js';
import { monitorPlacement } from '../models/monitor-placement.js';
import type { MonitorTab } from '../models/monitor-tabs.js';
import { MonitorPanel } from '../widgets/MonitorPanel.js';
import { ISlipway } from '../tokens.js';
import { openRunNotebook } from './run-notebook.js';

const PLUGIN_ID = 'slipway:core';
const DEFAULT_URL = 'http://127.0.0.1:8787';

/** Reads the connection from the plugin's settings (schema/core.json). */
function connectionOf(settings: ISettingRegistry.ISettings | null): GatewayConnection {
  const url = (settings?.composite.gatewayUrl as string | undefined) || DEFAULT_URL;
  const token = (settings?.composite.token as string | undefined) ?? '';
  return { baseUrl: url, token };
}

/** Checks the gateway and says, once and in words, what is wrong and how to fix it. */
async function announceGateway(
  app: JupyterFrontEnd,
  client: GatewayClient,
  trans: TranslationBundle,
): Promise<void> {
  try {
    const health = await client.check();
    Notification.success(trans.__('Slipway gateway %1 at %2', health.version, client.baseUrl), {
      autoClose: 3000,
    });
  } catch (err) {
    Notification.error(userMessage(err), {
      autoClose: false,
      actions: [
        {
          label: trans.__('Open settings'),
          // The settings editor searches the schema's title as translated (context "schema").
          callback: () =>
            void app.commands.execute('settingeditor:open', {
              query: trans._p('schema', 'Slipway'),
            }),
        },
      ],
    });
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

  /** Set once the Jupyter server answered that it proxies the gateway. */
  private viaServer = false;
  private readonly server: ServerConnection.ISettings;

  constructor(
    private readonly app: JupyterFrontEnd,
    private readonly trans: TranslationBundle,
  ) {
    this.server = app.serviceManager.serverSettings;
    const direct = (input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init);
    const viaServer = serverFetch(this.server);
    const uploadViaServer = serverUploader(this.server, xhrUploader);
    this.client = new GatewayClient(connectionOf(null), {
      trans,
      fetch: (input, init) => (this.viaServer ? viaServer : direct)(input, init),
      upload: (request) => (this.viaServer ? uploadViaServer : xhrUploader)(request),
    });
  }

  /**
   * The gateway through the Jupyter server when it has Slipway's server extension (the
   * browser then holds no gateway credential); else directly, with the settings' URL and token.
   */
  async route(): Promise<void> {
    const status = await proxyStatus(this.server).catch(() => undefined);
    if (!status) return;
    this.viaServer = true;
    this.client.reconnect({ baseUrl: proxyBase(this.server), token: '', viaServer: true });
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
      // The client follows the settings: each reconnect uses the URL and token of the moment.
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

  /** Follows the settings; resolves once they are read. */
  async follow(registry: ISettingRegistry): Promise<void> {
    const settings = await registry.load(PLUGIN_ID);
    const apply = () => {
      if (!this.viaServer) this.client.reconnect(connectionOf(settings));
      this.refreshSeconds = (settings.composite.refreshSeconds as number | undefined) ?? 2;
    };
    apply();
    settings.changed.connect(() => {
      apply();
      void announceGateway(this.app, this.client, this.trans);
    });
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
    const service = new SlipwayService(app, trans);
    service.ready = service
      .route()
      .then(() => (registry ? service.follow(registry) : undefined))
      .catch((err) => {
        Notification.error(trans.__('Slipway settings could not be loaded: %1', userMessage(err)));
      });
    void service.ready.then(() => announceGateway(app, service.client, trans));
    return service;
  },
};
