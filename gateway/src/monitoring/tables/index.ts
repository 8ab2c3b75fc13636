// Uploaded tables (ground truth, reference samples) read as typed rows, streamed, off the loop.
export {
  cellError,
  CellMismatch,
  csvCell,
  jsonCell,
  parquetCell,
  planColumns,
  type Cell,
  type ColumnPlan,
  type ColumnSpec,
  type ColumnType,
  type Row,
} from './columns.js';
export { parseTable } from './parse-table.js';
export { readTable, type ReadTableOptions, type TableReader } from './read-table.js';
export {
  detectTableFormat,
  detectTableFormatOfFile,
  isParquetHead,
  type TableFormat,
  type TableHints,
} from './table-format.js';
export {
  DEFAULT_BATCH_ROWS,
  DEFAULT_TABLE_LIMITS,
  type TableLimits,
  type TableProgress,
  type TableSummary,
} from './table-job.js';
