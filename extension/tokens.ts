import type { MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { Token } from '@lumino/coreutils';
import type { ISignal } from '@lumino/signaling';
import type { GatewayClient } from './client/gateway-client.js';
import type { MonitorTab } from './models/monitor-tabs.js';
import type { MonitorPanel } from './widgets/MonitorPanel.js';

/** Slipway's service for the other plugins: the gateway client and the shared panels. */
export interface ISlipway {
  /** The gateway through the Jupyter server (its proxy holds the gateway's URL and credential). */
  readonly client: GatewayClient;
  /** Resolves once the settings are loaded (whether or not the gateway answered). */
  readonly ready: Promise<void>;
  /** Seconds between refreshes of open monitoring panels. */
  readonly refreshSeconds: number;
  /**
   * Opens (or reveals) the monitoring panel of a deployment, beside `ref` when given, on
   * `tab` when given.
   */
  openMonitor(name: string, options?: { ref?: string; tab?: MonitorTab }): void;
  /** The open monitoring panels, the one last shown current; restored with the workspace. */
  readonly monitors: WidgetTracker<MainAreaWidget<MonitorPanel>>;
  /** Emitted after a publish or a delete, so lists can reload. */
  readonly deploymentsChanged: ISignal<ISlipway, void>;
  /** Tells the listeners of `deploymentsChanged`. */
  notifyDeploymentsChanged(): void;
}

export const ISlipway = new Token<ISlipway>(
  'slipway:ISlipway',
  'The Slipway gateway client and panels.',
);
