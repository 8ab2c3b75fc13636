import type { DeploymentDetail } from '../../gateway/src/protocol/index.js';
import {
  formBody,
  formFields,
  type FormError,
  type FormField,
  type FormResult,
  type FormValues,
} from '../../gateway/src/protocol/call-form.js';
import { callSnippets, type CallSnippets } from '../../gateway/src/protocol/call-snippets.js';
import { userMessage } from '../client/errors.js';
import type { GatewayClient, TryCallResult } from '../client/gateway-client.js';
import { RemoteView } from './remote-view.js';

/** The variable the snippets read the invoke key from, as the shown curl command does. */
export const KEY_VARIABLE = 'SLIPWAY_KEY';

/**
 * The "Try it" tab's state: the deployment's call form (from its signature), what the user
 * entered, the last answer, and the same call as curl, Python and JavaScript. The form is made
 * again only when the signature changes, so a refresh keeps what was entered.
 */
export class TryItModel extends RemoteView<DeploymentDetail> {
  private _fields: FormField[] = [];
  private _signatureKey = '';
  /** Counts the forms made: the widget draws the form again when it changes. */
  private _formVersion = 0;
  private _values: FormValues = {};
  private _errors: FormError[] = [];
  private _result: TryCallResult | null = null;
  private _sendError: string | null = null;
  private _sending = false;

  constructor(
    readonly name: string,
    private readonly client: GatewayClient,
  ) {
    super();
  }

  get fields(): readonly FormField[] {
    return this._fields;
  }

  get formVersion(): number {
    return this._formVersion;
  }

  get values(): Readonly<FormValues> {
    return this._values;
  }

  /** The mistakes of the last Send, by field. */
  get errors(): readonly FormError[] {
    return this._errors;
  }

  get result(): TryCallResult | null {
    return this._result;
  }

  /** Why the last Send got no answer (the gateway away), null when it did. */
  get sendError(): string | null {
    return this._sendError;
  }

  get sending(): boolean {
    return this._sending;
  }

  /** The body the form's values make, or what is wrong with them. */
  body(): FormResult {
    return formBody(this._fields, this._values);
  }

  /** The call as snippets, with the body the form makes now; null while the form is wrong. */
  snippets(): CallSnippets | null {
    const d = this.value;
    const body = this.body();
    if (!d || !body.ok) return null;
    return callSnippets({
      url: d.invokeUrl,
      body: body.body,
      keyVariable: d.public ? null : KEY_VARIABLE,
    });
  }

  /** Keeps what the user entered in one field. */
  setValue(field: string, value: string | boolean): void {
    this._values = { ...this._values, [field]: value };
    this._errors = this._errors.filter((e) => e.field !== field);
    this.emitChanged();
  }

  /** Sends the form's record to the deployment; mistakes in the form are kept, not sent. */
  async send(): Promise<void> {
    const body = this.body();
    if (!body.ok) {
      this._errors = body.errors;
      this.emitChanged();
      return;
    }
    this._errors = [];
    this._sending = true;
    this._sendError = null;
    this.emitChanged();
    try {
      this._result = await this.client.tryCall(this.name, body.body);
    } catch (err) {
      this._result = null;
      this._sendError = userMessage(err);
    } finally {
      this._sending = false;
      this.emitChanged();
    }
  }

  protected async fetch(): Promise<DeploymentDetail> {
    const d = await this.client.deployment(this.name);
    const key = JSON.stringify(d.signature.inputs);
    if (key !== this._signatureKey) {
      // A new signature: a new form; values of the inputs it still has are kept.
      const fields = formFields(d.signature);
      const kept: FormValues = {};
      for (const f of fields)
        if (this._values[f.name] !== undefined) kept[f.name] = this._values[f.name];
      this._fields = fields;
      this._values = kept;
      this._errors = [];
      this._signatureKey = key;
      this._formVersion++;
    }
    return d;
  }
}
