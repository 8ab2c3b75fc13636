/** A notebook cell as its user sees it in JupyterLab, in the error of a failed run. */
export interface NotebookCellRef {
  /** 1-based position in the notebook as published (markdown cells counted). */
  position: number;
  /** The number JupyterLab shows beside it after Run All; null if it never started. */
  executionCount: number | null;
  /** Its first non-blank line, cut at 60 characters. */
  firstLine: string;
}

/** Where a notebook run is read: its record and its executed notebook (with the traceback). */
export interface RunLinks {
  runId: string;
  statusUrl: string;
  notebookUrl: string;
}

/** The error body every endpoint answers with. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    /** The offending field, when the error is about one input. */
    field?: string;
    /** The failed cell, when a notebook cell raised or its kernel died running it. */
    cell?: NotebookCellRef;
  } & Partial<RunLinks>;
}
