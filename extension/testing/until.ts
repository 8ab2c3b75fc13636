/**
 * Options for `vi.waitFor`: its default of one second is a timing assumption a loaded machine
 * breaks. The bound only turns a wait for something that never happens into a failure.
 */
export const UNTIL = { timeout: 60_000, interval: 20 } as const;
