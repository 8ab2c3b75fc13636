import { describe, expect, it } from 'vitest';
import type { RecordValue } from '../../protocol/signature.js';
import { CallQueue, type Batching } from './call-queue.js';
import type { PackedTensors } from './packed-tensors.js';

/** A model that answers when the test says: each send waits in `sends` for `answer` or `fail`. */
function model(batching?: Batching) {
  const sends: {
    records: RecordValue[];
    feeds?: PackedTensors;
    answer: () => void;
    fail: (err: unknown) => void;
  }[] = [];
  const died = new Error('the worker died');
  const queue = new CallQueue(
    {
      ready: () => true,
      prepare: async () => {},
      send: (records) =>
        new Promise((resolve, reject) => {
          sends.push({
            records,
            // Each record's answer names its input, so a caller can tell whose it got.
            answer: () => resolve(records.map((r) => ({ y: r.x }))),
            fail: reject,
          });
        }),
      sendTensors: (feeds) =>
        new Promise((resolve, reject) => {
          sends.push({
            records: [],
            feeds,
            // The answer is the feeds under another name.
            answer: () => resolve({ y: feeds.x! }),
            fail: reject,
          });
        }),
      expire: () => {},
      retryable: (err) => err === died,
      deadline: () => new Error('too late'),
    },
    batching,
  );
  const call = (...xs: number[]) =>
    queue.submit(
      xs.map((x) => ({ x })),
      60_000,
    );
  return { queue, sends, call, died };
}

/** Lets the queue's promise callbacks run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('CallQueue', () => {
  it('sends each call on its own without batching, up to sixteen ahead', async () => {
    const m = model();
    const answers = Array.from({ length: 20 }, (_, i) => m.call(i));
    await settle();
    expect(m.sends.map((s) => s.records.length)).toEqual(Array(16).fill(1));
    for (let i = 0; i < 20; i++) {
      m.sends[i]!.answer();
      await settle();
    }
    expect(await Promise.all(answers)).toEqual(Array.from({ length: 20 }, (_, i) => [{ y: i }]));
  });

  it('groups the calls that waited while the model ran, up to maxRecords, each caller answered its own', async () => {
    const m = model({ maxRecords: 5 });
    const first = m.call(0);
    const second = m.call(1);
    await settle();
    // The model was free: the first two went at once, alone (two groups may be in the worker).
    expect(m.sends.map((s) => s.records)).toEqual([[{ x: 0 }], [{ x: 1 }]]);
    const waiting = [m.call(2), m.call(3, 4), m.call(5), m.call(6), m.call(7, 8, 9), m.call(10)];
    await settle();
    expect(m.sends).toHaveLength(2);
    m.sends[0]!.answer();
    await settle();
    // One run of the calls that fit: 2, 3+4, 5, 6 (five records); 7+8+9 would be eight.
    expect(m.sends[2]!.records).toEqual([2, 3, 4, 5, 6].map((x) => ({ x })));
    m.sends[1]!.answer();
    await settle();
    expect(m.sends[3]!.records).toEqual([7, 8, 9, 10].map((x) => ({ x })));
    m.sends[2]!.answer();
    m.sends[3]!.answer();
    expect(await first).toEqual([{ y: 0 }]);
    expect(await second).toEqual([{ y: 1 }]);
    expect(await Promise.all(waiting)).toEqual([
      [{ y: 2 }],
      [{ y: 3 }, { y: 4 }],
      [{ y: 5 }],
      [{ y: 6 }],
      [{ y: 7 }, { y: 8 }, { y: 9 }],
      [{ y: 10 }],
    ]);
  });

  it('sends a refused group again call by call, so that each caller hears only its own error', async () => {
    const m = model({ maxRecords: 64 });
    const busy = [m.call(0), m.call(1)];
    const grouped = [m.call(2), m.call(3), m.call(4)];
    const outcomes = Promise.allSettled(grouped);
    await settle();
    m.sends[0]!.answer();
    m.sends[1]!.answer();
    await Promise.all(busy);
    await settle();
    expect(m.sends[2]!.records).toHaveLength(3);
    m.sends[2]!.fail(new Error('record 3 is out of range'));
    await settle();
    // Alone now: each call is its own send (two at a time).
    expect(m.sends.slice(3).map((s) => s.records)).toEqual([[{ x: 2 }], [{ x: 3 }]]);
    m.sends[3]!.answer();
    m.sends[4]!.fail(new Error('record 3 is out of range'));
    await settle();
    expect(m.sends[5]!.records).toEqual([{ x: 4 }]);
    m.sends[5]!.answer();
    const settled = await outcomes;
    expect(settled.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[2] as PromiseFulfilledResult<unknown>).value).toEqual([{ y: 4 }]);
  });

  it('sends a group cut off by a dying worker again, once, as a group', async () => {
    const m = model({ maxRecords: 64 });
    const busy = [m.call(0), m.call(1)];
    const grouped = [m.call(2), m.call(3)];
    const both = Promise.all(grouped);
    both.catch(() => {});
    await settle();
    m.sends[0]!.answer();
    m.sends[1]!.answer();
    await Promise.all(busy);
    await settle();
    m.sends[2]!.fail(m.died);
    await settle();
    expect(m.sends[3]!.records).toEqual([{ x: 2 }, { x: 3 }]);
    m.sends[3]!.fail(m.died);
    // Sent twice already: the second death is their answer.
    await expect(both).rejects.toBe(m.died);
    expect(m.sends).toHaveLength(4);
  });

  it('sends a call of tensors alone, in its turn between calls of records, never grouped', async () => {
    const m = model({ maxRecords: 64 });
    const busy = [m.call(0), m.call(1)];
    const x = {
      type: 'float32',
      dims: [1, 1],
      bytes: new Uint8Array(new Float32Array([7]).buffer),
    };
    const tensors = m.queue.submitTensors({ x }, 60_000);
    const after = [m.call(2), m.call(3)];
    await settle();
    m.sends[0]!.answer();
    await settle();
    // The tensors go alone, not merged with the records waiting behind them.
    expect(m.sends[2]!.feeds).toEqual({ x });
    m.sends[1]!.answer();
    m.sends[2]!.answer();
    await settle();
    expect(m.sends[3]!.records).toEqual([{ x: 2 }, { x: 3 }]);
    m.sends[3]!.answer();
    await Promise.all(busy);
    expect(await tensors).toEqual({ y: x });
    expect(await Promise.all(after)).toEqual([[{ y: 2 }], [{ y: 3 }]]);
  });
});
