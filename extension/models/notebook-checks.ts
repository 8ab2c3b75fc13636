import type { TranslationBundle } from '@jupyterlab/translation';
import type { ValueType } from '../../gateway/src/protocol/signature.js';
import { OUTPUT_TAG, PARAMETERS_TAG, tagsOf } from './cell-tags.js';
import { parsePythonLiteral } from './python-literal.js';

/** One cell of the notebook about to be published, as the checks need it. */
export interface NotebookCell {
  /** `code`, `markdown` or `raw`. */
  type: string;
  source: string;
  tags: string[];
}

/** A parameter as a call will see it, read before the upload. */
export interface ParameterPreview {
  name: string;
  type: ValueType;
  /** The default's value when it is a literal; absent otherwise. */
  default?: unknown;
  /** The default as written. */
  source: string;
  /** Whether the default is a literal (the gateway keeps it as the default). */
  literal: boolean;
  help: string;
}

/** Something the publisher should know before the upload. */
export interface NotebookWarning {
  kind: 'no-parameters' | 'several-parameters' | 'not-literal' | 'installs-packages' | 'training';
  message: string;
}

/** What the publish dialog says of a notebook before it is uploaded. */
export interface NotebookPreview {
  parameters: ParameterPreview[];
  warnings: NotebookWarning[];
  /** What a call returns: the outputs of the cells tagged `output`, else the last code cell's. */
  returns: string;
}

/**
 * The gateway's typing of a parameter (gateway/src/runtimes/notebook/notebook-signature.ts):
 * the annotation's type name, else the default's Python type; int → int64, float → float64,
 * bool, str → string, anything else (lists, dicts, None, expressions) → json.
 */
const SCALAR_TYPES: Record<string, ValueType> = {
  int: 'int64',
  float: 'float64',
  bool: 'bool',
  str: 'string',
};

interface Statement {
  text: string;
  comment: string;
  indented: boolean;
}

/** Top-level statements of Python source, each with the comment ending its last line. */
function statements(source: string): Statement[] {
  const out: Statement[] = [];
  let text = '';
  let comment = '';
  let depth = 0;
  let lineStart = true;
  let indented = false;
  const flush = () => {
    if (text.trim()) out.push({ text: text.trim(), comment: comment.trim(), indented });
    text = '';
    comment = '';
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (lineStart && depth === 0 && !text.trim()) {
      indented = c === ' ' || c === '\t';
      lineStart = false;
    }
    if (c === '#') {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      // A comment inside brackets belongs to the value; only the line-ending one is help.
      if (depth === 0) comment = source.slice(i + 1, stop);
      i = stop - 1;
      continue;
    }
    if (c === '"' || c === "'") {
      const triple = source.startsWith(c.repeat(3), i);
      const quote = triple ? c.repeat(3) : c;
      let j = i + quote.length;
      while (j < source.length && !source.startsWith(quote, j)) {
        if (source[j] === '\\') j++;
        if (!triple && source[j] === '\n') break;
        j++;
      }
      text += source.slice(i, j + quote.length);
      i = j + quote.length - 1;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    if (')]}'.includes(c)) depth = Math.max(0, depth - 1);
    if (c === '\\' && source[i + 1] === '\n') {
      i++;
      text += ' ';
      continue;
    }
    if ((c === '\n' || c === ';') && depth === 0) {
      if (c === ';') comment = '';
      flush();
      lineStart = c === '\n';
      continue;
    }
    text += c;
  }
  flush();
  return out;
}

const ASSIGNMENT = /^([A-Za-z_]\w*)\s*(?::\s*([^=]+?))?\s*=(?!=)\s*([\s\S]+)$/;

/**
 * The parameters of a parameters cell, as the gateway's worker reads them
 * (gateway/workers/python/slipway_worker/parameters.py): each top-level `name = value` or
 * `name: annotation = value`; a `# type: T` comment stands for an annotation; the rest of the
 * line's comment is the help. Indented lines, magics and other statements are not parameters.
 */
export function parametersOf(source: string): ParameterPreview[] {
  const found: ParameterPreview[] = [];
  for (const s of statements(source)) {
    if (s.indented) continue;
    const match = ASSIGNMENT.exec(s.text);
    if (!match) continue;
    const [, name, annotation, value] = match as unknown as [
      string,
      string,
      string | undefined,
      string,
    ];
    // `a = b = 1` has two targets: not a parameter.
    if (/^[A-Za-z_]\w*\s*=(?!=)/.test(value)) continue;
    let declared = annotation?.trim().replace(/^(['"])(.*)\1$/, '$2');
    let help = s.comment;
    const typeComment = /^type:\s*(\S+)\s*(.*)$/.exec(help);
    if (typeComment) {
      declared ||= typeComment[1];
      help = typeComment[2]!;
    }
    const literal = parsePythonLiteral(value);
    const pythonType =
      declared && declared !== 'None' ? declared : literal.literal ? literal.pythonType : 'object';
    const param: ParameterPreview = {
      name,
      type: SCALAR_TYPES[pythonType] ?? 'json',
      source: value.trim(),
      literal: literal.literal,
      help: help.trim(),
    };
    if (literal.literal) param.default = literal.value;
    found.push(param);
  }
  return found;
}

/** Lines that install packages: `%pip install`, `!pip install`, conda, mamba, uv pip. */
const INSTALL =
  /^\s*[%!]\s*(?:pip3?|conda|mamba|micromamba|uv\s+pip|python3?\s+-m\s+pip)\s+install\b.*$/m;
/** Calls that fit a model: scikit-learn's fit, Keras's fit, Hugging Face's train. */
const TRAINING = /\.(?:fit|partial_fit|fit_generator|train)\s*\(/;

const cellNumber = (index: number) => index + 1;

/**
 * What the dialog says of a notebook before the upload: the parameters with their types and
 * defaults, what a call returns, and warnings about what would surprise a caller.
 */
export function previewNotebook(cells: NotebookCell[], trans: TranslationBundle): NotebookPreview {
  const warnings: NotebookWarning[] = [];
  const code = cells.map((c, i) => ({ ...c, index: i })).filter((c) => c.type === 'code');
  const tagged = code.filter((c) => c.tags.includes(PARAMETERS_TAG));
  const parameters = tagged[0] ? parametersOf(tagged[0].source) : [];
  if (tagged.length === 0)
    warnings.push({
      kind: 'no-parameters',
      message: trans.__(
        'No cell is tagged "parameters": callers cannot pass anything. Tag the cell holding the defaults with Tag as Parameters.',
      ),
    });
  if (tagged.length > 1)
    warnings.push({
      kind: 'several-parameters',
      message: trans.__(
        'Cells %1 are tagged "parameters"; only the first (cell %2) declares the parameters. Remove the tag from the others.',
        tagged.map((c) => cellNumber(c.index)).join(', '),
        cellNumber(tagged[0]!.index),
      ),
    });
  for (const p of parameters.filter((q) => !q.literal))
    warnings.push({
      kind: 'not-literal',
      message: trans.__(
        'The default of %1 (%2) is not a literal, so it becomes type %3 with no default. Write a literal such as 0.5, "text", True or [1, 2], or annotate the type (%1: float = …).',
        p.name,
        p.source,
        p.type,
      ),
    });
  for (const c of code) {
    const install = INSTALL.exec(c.source)?.[0].trim();
    if (install)
      warnings.push({
        kind: 'installs-packages',
        message: trans.__(
          'Cell %1 installs packages (%2): it would run on every call. List the packages under Requirements instead (installed once, at publish) and remove the line.',
          cellNumber(c.index),
          install,
        ),
      });
    const training = TRAINING.exec(c.source)?.[0];
    if (training && !c.tags.includes(PARAMETERS_TAG))
      warnings.push({
        kind: 'training',
        message: trans.__(
          'Cell %1 looks like training (%2…): it would run on every call. Train once, save the model, and load it here instead.',
          cellNumber(c.index),
          training,
        ),
      });
  }
  const outputs = code.filter((c) => c.tags.includes(OUTPUT_TAG));
  const last = code.at(-1);
  const returns = outputs.length
    ? trans.__(
        'A call returns the outputs of cell %1 (tagged "output").',
        outputs.map((c) => cellNumber(c.index)).join(', '),
      )
    : last
      ? trans.__(
          'No cell is tagged "output": a call returns the outputs of the last code cell (cell %1). Tag the cells to return with Tag as Output.',
          cellNumber(last.index),
        )
      : trans.__('The notebook has no code cell: a call returns nothing.');
  return { parameters, warnings, returns };
}

/** The cells of a notebook model (JupyterLab's `INotebookModel`), as the checks need them. */
export function cellsOf(model: {
  cells: Iterable<{
    type: string;
    sharedModel: { getSource(): string };
    getMetadata(key: string): unknown;
  }>;
}): NotebookCell[] {
  return [...model.cells].map((c) => ({
    type: c.type,
    source: c.sharedModel.getSource(),
    tags: tagsOf(c.getMetadata('tags')),
  }));
}
