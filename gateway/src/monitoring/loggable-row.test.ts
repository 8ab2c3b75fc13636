import { describe, expect, it } from 'vitest';
import type { MonitoredCall } from './features.js';
import { journalLine, jsonValue, RawJson, rowFromLine, type LoggedCall } from './loggable-row.js';

const monitored: MonitoredCall = {
  predictions: [{ id: 'c', predicted: 1, scores: { '0': 0.2, '1': 0.8 } }],
  features: { x: { kind: 'numeric', values: [3] } },
};

/** The monitor's part as it reads: its predictions' text parsed. */
const read = (m: MonitoredCall | null | undefined) =>
  m && {
    ...m,
    predictions: m.predictions instanceof RawJson ? jsonValue(m.predictions) : m.predictions,
  };

function row(output: unknown): LoggedCall {
  return {
    id: 'c',
    deploymentName: 'm',
    version: 1,
    time: new Date(0),
    latencyMs: 1,
    status: 200,
    protocol: 'records',
    input: { x: 3 },
    output,
    error: null,
    ignoredFields: null,
    monitored,
  };
}

describe('the monitor’s part of a journal line', () => {
  it('leaves the predictions to the logged output when the log keeps it', () => {
    const back = rowFromLine(journalLine(row([{ label: 1 }]), 1024));
    expect(back.monitored).toEqual({ ...monitored, predictions: [] });
  });

  it('keeps its own copy of the predictions when the output is not kept', () => {
    const back = rowFromLine(journalLine(row(null), 1024));
    expect(back.monitored!.predictions).toBeInstanceOf(RawJson);
    expect(read(back.monitored)).toEqual(monitored);
    const large = rowFromLine(journalLine(row([{ label: 'x'.repeat(2000) }]), 1024));
    expect(large.output).toBeNull();
    expect(read(large.monitored)).toEqual(monitored);
    // Journalled again (a segment set aside, a replay), the text goes on as it is.
    expect(read(rowFromLine(journalLine(back, 1024)).monitored)).toEqual(monitored);
  });

  it('drops the feature columns, then the predictions, past the size limit, saying so', () => {
    const wide: MonitoredCall = {
      predictions: monitored.predictions,
      features: { x: { kind: 'numeric', values: Array.from({ length: 500 }, (_, i) => i) } },
    };
    const slim = rowFromLine(journalLine({ ...row(null), monitored: wide }, 1024));
    expect(read(slim.monitored)).toEqual({ predictions: monitored.predictions, features: null });
    expect(slim.truncated).toMatch(/monitor's copy of the inputs/);
    const many: MonitoredCall = {
      predictions: Array.from({ length: 100 }, (_, i) => ({
        id: `c:${i}`,
        predicted: 1,
        scores: null,
      })),
      features: null,
    };
    const none = rowFromLine(journalLine({ ...row(null), monitored: many }, 1024));
    expect(none.monitored).toBeNull();
    expect(none.truncated).toMatch(/monitor's copy of the predictions/);
  });
});

describe('a body kept as it came', () => {
  it('stays on one journal line when it was pretty-printed', () => {
    const text = '{\r\n  "x": [1,\n 2],\n  "s": "a\\nb"\n}\n';
    const line = journalLine(
      { ...row(null), input: new RawJson(new TextEncoder().encode(text)) },
      1024,
    );
    expect(line).not.toMatch(/[\r\n]/);
    expect(jsonValue(rowFromLine(line).input)).toEqual({ x: [1, 2], s: 'a\nb' });
  });
});

describe('the values of a journal line', () => {
  const tricky = { s: ',"output":null,"monitored":null}', t: '{"lengths":[1,2,3],' };

  it('come back as the text the line holds, whatever that text contains', () => {
    const line = journalLine({ ...row([tricky]), input: tricky }, 1024);
    const back = rowFromLine(line);
    expect(back.input).toBeInstanceOf(RawJson);
    expect((back.input as RawJson).text).toBe(JSON.stringify(tricky));
    expect(jsonValue(back.output)).toEqual([tricky]);
    expect(back.monitored).toEqual({ ...monitored, predictions: [] });
    expect(back.time).toEqual(row(null).time);
    expect(back).not.toHaveProperty('lengths');
  });

  it("of the journal before the monitor's part came in two are read as it wrote them", () => {
    const monitor = '{"predictions":[{"id":"c","predicted":1,"scores":null}],"features":null}';
    const old =
      `{"lengths":[7,4,${monitor.length}],"id":"c","deploymentName":"m","version":1,"time":"1970-01-01T00:00:00.000Z","latencyMs":1,"status":200,"protocol":"records","error":null,"ignoredFields":null,"truncated":null` +
      `,"input":{"x":3},"output":null,"monitored":${monitor}}`;
    const back = rowFromLine(old);
    expect(back.input).toBeInstanceOf(RawJson);
    expect(back.monitored).toEqual({
      predictions: [{ id: 'c', predicted: 1, scores: null }],
      features: null,
    });
  });

  it('of an older journal, without their lengths, are read by parsing the whole line', () => {
    const { lengths: _, ...old } = JSON.parse(journalLine(row([{ label: 1 }]), 1024)) as Record<
      string,
      unknown
    >;
    const back = rowFromLine(JSON.stringify(old));
    expect(back.output).toEqual([{ label: 1 }]);
    expect(back.id).toBe(row(null).id);
  });

  it('in a line a crash cut short are refused, at any cut', () => {
    const line = journalLine({ ...row([tricky]), input: tricky }, 1024);
    for (let cut = 1; cut < line.length; cut++)
      expect(() => rowFromLine(line.slice(0, cut)), `cut at ${cut}`).toThrow();
  });
});
