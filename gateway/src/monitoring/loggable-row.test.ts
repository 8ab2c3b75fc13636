import { describe, expect, it } from 'vitest';
import type { MonitoredCall } from './features.js';
import { journalLine, jsonValue, RawJson, rowFromLine, type LoggedCall } from './loggable-row.js';

const monitored: MonitoredCall = {
  predictions: [{ id: 'c', predicted: 1, scores: { '0': 0.2, '1': 0.8 } }],
  features: { x: { kind: 'numeric', values: [3] } },
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
    expect(rowFromLine(journalLine(row(null), 1024)).monitored).toEqual(monitored);
    const large = rowFromLine(journalLine(row([{ label: 'x'.repeat(2000) }]), 1024));
    expect(large.output).toBeNull();
    expect(large.monitored).toEqual(monitored);
  });

  it('drops the feature columns, then the predictions, past the size limit, saying so', () => {
    const wide: MonitoredCall = {
      predictions: monitored.predictions,
      features: { x: { kind: 'numeric', values: Array.from({ length: 500 }, (_, i) => i) } },
    };
    const slim = rowFromLine(journalLine({ ...row(null), monitored: wide }, 1024));
    expect(slim.monitored).toEqual({ predictions: monitored.predictions, features: null });
    expect(slim.truncated).toMatch(/monitor's copy of the inputs/);
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
