// The table reader thread (see read-table.ts): parses one file, sending a batch of rows for
// each credit the main thread grants, so it never runs further ahead than the consumer allows.
import { serveTableReads } from './table-thread.js';

serveTableReads();
