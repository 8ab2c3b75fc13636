// What `npm test` prints at its end about each failed test: the suite's JSON report (vitest or
// Playwright) read back, so that the last lines of a long CI log name the test that failed and
// why, and not only the suite (CI keeps only the tail of what a run prints).
import { stripVTControlCharacters } from 'node:util';

/** Enough of a vitest JSON report (`--reporter=json`) to find its failures. */
interface VitestReport {
  testResults: {
    name: string;
    status: string;
    message?: string;
    assertionResults: { fullName: string; status: string; failureMessages?: string[] }[];
  }[];
}

/** Enough of a Playwright JSON report to find its failures. */
interface PlaywrightSuite {
  title: string;
  specs?: {
    title: string;
    tests: { status: string; results: { error?: { message?: string } }[] }[];
  }[];
  suites?: PlaywrightSuite[];
}
interface PlaywrightReport {
  suites: PlaywrightSuite[];
  /** What failed outside any test: a spec file that does not load, a global set-up. */
  errors?: { message?: string }[];
}

export interface Failure {
  /** The file, then the test's name, as a reader would search for it. */
  test: string;
  message: string;
}

/** The lines of a message a digest keeps: the first few, colours and the tools' frames taken out. */
export const MESSAGE_LINES = 12;
/** A stack frame in the test tools or Node itself: it says nothing of what failed. */
const TOOL_FRAME = /^\s+at .*(node_modules|node:internal|\(<anonymous>\))/;

function excerpt(message: string): string {
  const lines = stripVTControlCharacters(message)
    .split('\n')
    .filter((line) => !TOOL_FRAME.test(line));
  const kept = lines.slice(0, MESSAGE_LINES);
  if (lines.length > MESSAGE_LINES) kept.push(`… (${lines.length - MESSAGE_LINES} more lines)`);
  return kept.join('\n');
}

function vitestFailures(report: VitestReport, root: string): Failure[] {
  const failures: Failure[] = [];
  for (const file of report.testResults) {
    const name = file.name.startsWith(root) ? file.name.slice(root.length) : file.name;
    const failed = file.assertionResults.filter((a) => a.status === 'failed');
    for (const a of failed)
      failures.push({
        test: `${name} › ${a.fullName}`,
        message: excerpt((a.failureMessages ?? []).join('\n') || 'no message'),
      });
    // A hook that failed (beforeAll, a global set-up) fails the file with no failed test.
    if (file.status === 'failed' && !failed.length)
      failures.push({ test: name, message: excerpt(file.message || 'the file failed') });
  }
  return failures;
}

function playwrightFailures(suites: PlaywrightSuite[], path: string[] = []): Failure[] {
  return suites.flatMap((suite) => {
    const here = [...path, suite.title].filter(Boolean);
    const own = (suite.specs ?? []).flatMap((spec) =>
      spec.tests
        .filter((t) => t.status === 'unexpected')
        .map((t) => ({
          test: [...here, spec.title].join(' › '),
          message: excerpt(
            t.results
              .map((r) => r.error?.message)
              .filter(Boolean)
              .at(-1) ?? 'no message',
          ),
        })),
    );
    return [...own, ...playwrightFailures(suite.suites ?? [], here)];
  });
}

/**
 * The failures a suite's JSON report holds. `root` is taken off the front of file names (vitest
 * writes them absolute). A report of neither shape gives no failures: the digest is a courtesy
 * to the reader of a log, and the suite's own result already says it failed.
 */
export function failuresOf(report: unknown, root = ''): Failure[] {
  if (!report || typeof report !== 'object') return [];
  if (Array.isArray((report as VitestReport).testResults))
    return vitestFailures(report as VitestReport, root);
  if (Array.isArray((report as PlaywrightReport).suites)) {
    const { suites, errors = [] } = report as PlaywrightReport;
    const outside = errors.map((e) => ({
      test: '(outside any test)',
      message: excerpt(e.message ?? 'no message'),
    }));
    return [...outside, ...playwrightFailures(suites)];
  }
  return [];
}

/** The digest's lines for one suite: at most `max` failures, each its name then its message. */
export function digestLines(suite: string, failures: Failure[], max = 5): string[] {
  if (!failures.length) return [];
  const lines = [`[tests] ${suite}: ${failures.length} failed`];
  for (const f of failures.slice(0, max)) {
    lines.push(`  ✗ ${f.test}`);
    for (const line of f.message.split('\n')) lines.push(`      ${line}`);
  }
  if (failures.length > max) lines.push(`  … and ${failures.length - max} more in its report`);
  return lines;
}
