import { fieldHint, type FormField, type FormValues } from '../protocol/call-form.js';
import { CSRF_FIELD } from '../share/page-session.js';
import { esc, scriptJson } from './html-text.js';

/** Form controls are named `in:<input name>`, so no input can clash with the CSRF field. */
export const FIELD_PREFIX = 'in:';

/**
 * The values of a form post, by input name (the controls' prefix taken off). A post leaves an
 * unticked checkbox out: it is `false` here, not the field's default.
 */
export function postedValues(form: Record<string, unknown>, fields: FormField[]): FormValues {
  const values: FormValues = {};
  for (const f of fields) {
    const v = form[FIELD_PREFIX + f.name];
    if (f.kind === 'boolean') values[f.name] = v === 'true' || v === 'on';
    else if (typeof v === 'string') values[f.name] = v;
  }
  return values;
}

/** What the record form shows: the fields, what was entered, and mistakes by field name. */
export interface RecordFormView {
  action: string;
  csrf: string;
  fields: FormField[];
  values: FormValues;
  errors: Map<string, string>;
}

/** The record form: one labelled control per input, with its hint, help and mistake. */
export function recordFormHtml(view: RecordFormView): string {
  const { fields, values, errors } = view;
  // A post leaves unticked checkboxes out: after one, an absent checkbox was unticked.
  const posted = Object.keys(values).length > 0;
  const controls = fields.map((f, i) =>
    fieldHtml(f, i, values[f.name], posted, errors.get(f.name)),
  );
  const spec = fields.map((f, i) => ({
    id: i,
    name: f.name,
    kind: f.kind,
    type: f.type,
    required: f.required,
    choices: f.choices,
    length: f.length,
    image: f.image,
  }));
  return `<form id="record-form" method="post" action="${esc(view.action)}#answer" novalidate>
<h2>Score one record</h2>
<input type="hidden" name="${CSRF_FIELD}" value="${esc(view.csrf)}">
${controls.join('\n')}
<button type="submit">Predict</button>
</form>
<script type="application/json" id="slipway-fields">${scriptJson(spec)}</script>`;
}

function fieldHtml(
  f: FormField,
  i: number,
  entered: string | boolean | undefined,
  posted: boolean,
  error: string | undefined,
): string {
  const id = `in-${i}`;
  const name = esc(FIELD_PREFIX + f.name);
  const described = [`err-${i}`, f.help || fieldHint(f) ? `help-${i}` : '']
    .filter(Boolean)
    .join(' ');
  const invalid = error ? ' aria-invalid="true"' : '';
  const aria = ` aria-describedby="${described}"${invalid}`;
  const help = [f.help, fieldHint(f)].filter(Boolean).join(' — ');
  const helpHtml = help ? `<p class="help" id="help-${i}">${esc(help)}</p>` : '';
  const errorHtml = `<p class="error" id="err-${i}" role="alert">${error ? esc(error) : ''}</p>`;
  const label = `${esc(f.name)}${f.required ? '' : ' <span class="help">(optional)</span>'}`;
  if (f.kind === 'boolean') {
    const checked = posted ? entered === true : f.initial === true;
    return `<div class="field check"><input type="checkbox" id="${id}" name="${name}" value="true"${checked ? ' checked' : ''}${aria}><label for="${id}">${label}</label>${helpHtml}${errorHtml}</div>`;
  }
  const value = typeof entered === 'string' ? entered : String(f.initial);
  let control: string;
  if (f.kind === 'choice') {
    const options = f.choices
      .map((c) => {
        const v = String(c.value);
        return `<option value="${esc(v)}"${v === value ? ' selected' : ''}>${esc(c.label)}</option>`;
      })
      .join('');
    control = `<select id="${id}" name="${name}"${aria}>${options}</select>`;
  } else if (f.kind === 'json' || f.kind === 'image') {
    control = `<textarea id="${id}" name="${name}" rows="3" spellcheck="false"${aria}>${esc(value)}</textarea>`;
    if (f.kind === 'image') control = imagePickerHtml(f, i) + control;
  } else if (f.kind === 'date') {
    control = `<input type="date" id="${id}" name="${name}" value="${esc(value)}" autocomplete="off"${f.required ? ' required' : ''}${aria}>`;
  } else {
    const mode =
      f.kind === 'integer'
        ? 'numeric'
        : f.kind === 'number' || f.kind === 'list'
          ? 'decimal'
          : 'text';
    control = `<input type="text" id="${id}" name="${name}" value="${esc(value)}" inputmode="${mode}" autocomplete="off"${f.required ? ' required' : ''}${aria}>`;
  }
  return `<div class="field"><label for="${id}">${label}</label>${helpHtml}${control}${errorHtml}</div>`;
}

/**
 * An image field's file picker and preview, hidden until the page's script shows them (it turns
 * the picked file into the field's JSON); without script the JSON field alone is there.
 */
function imagePickerHtml(f: FormField, i: number): string {
  return `<div class="picker" id="pick-${i}" hidden><label for="file-${i}">Image file for ${esc(f.name)}</label>
<input type="file" id="file-${i}" accept="image/*" aria-describedby="err-${i} picked-${i}">
<p class="help" id="picked-${i}" aria-live="polite"></p><img class="preview" id="preview-${i}" alt="" hidden></div>`;
}

/** The CSV form: a file of records, one a row, scored at once. */
export function csvFormHtml(
  action: string,
  csrf: string,
  fields: FormField[],
  maxRows: number,
): string {
  const columns = fields.map((f) => f.name).join(', ');
  return `<form id="csv-form" method="post" action="${esc(action)}#answer" enctype="multipart/form-data">
<h2>Score a CSV file</h2>
<input type="hidden" name="${CSRF_FIELD}" value="${esc(csrf)}">
<div class="field"><label for="csv-file">CSV file</label>
<p class="help" id="csv-help">A header row naming the columns ${esc(columns)}; up to ${maxRows} rows.</p>
<input type="file" id="csv-file" name="csv" accept=".csv,text/csv" required aria-describedby="csv-help"></div>
<button type="submit">Score file</button>
</form>`;
}
