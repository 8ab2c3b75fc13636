import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, TooLargeError } from '../../errors.js';
import { CsvRecords } from './csv-records.js';

/** All the records of `pieces` fed one after the other, or the first error. */
function recordsOf(pieces: string[], max = 2 ** 20): { records: string[][]; error?: Error } {
  const csv = new CsvRecords(max);
  const records: string[][] = [];
  for (const parsed of [...pieces.map((p) => csv.push(p)), csv.end()]) {
    records.push(...parsed.records);
    if (parsed.error) return { records, error: parsed.error };
  }
  return { records };
}

const SAMPLES = [
  'id,text,n\na,"b, c",1\n"x ""quoted""","line\nbreak",2\n\n,"",3\n',
  'id,text\r\na,"line\r\nbreak"\r\n\r\nb,c\r\n',
  'id,text\ra,"x\ry"\rb,c',
  'id,n\na,1\nb,2', // no line break at the end
  '"a","b"\n"1","2"\n',
];

describe('CsvRecords', () => {
  it.each(SAMPLES)('reads %j as csv-parse does, however the text is cut into pieces', (text) => {
    const expected = parse(text, { skip_empty_lines: true, record_delimiter: undefined });
    expect(recordsOf([text])).toEqual({ records: expected });
    for (let cut = 0; cut <= text.length; cut++)
      expect(recordsOf([text.slice(0, cut), text.slice(cut)])).toEqual({ records: expected });
    expect(recordsOf(text.split(''))).toEqual({ records: expected });
  });

  it('names the row and line of a record whose field count differs, after the records before it', () => {
    const { records, error } = recordsOf(['id,text\na,"x\ny"\nb,c\n', 'd,e,f\ng,h\n']);
    expect(records).toEqual([
      ['id', 'text'],
      ['a', 'x\ny'],
      ['b', 'c'],
    ]);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error!.message).toBe(
      'row 3 (line 5) has a different number of fields than the header; quote fields that hold commas',
    );
  });

  it('refuses a quote that does not close its field, and one never closed', () => {
    const bad = recordsOf(['id,text\na,b\nc,"d"e\n']);
    expect(bad.records).toHaveLength(2);
    expect(bad.error).toBeInstanceOf(InvalidInputError);
    expect(bad.error!.message).toMatch(/^row 2 \(line 3\): a quoted field's closing quote/);
    const open = recordsOf(['id,text\na,b\nc,"d\ne\n']);
    expect(open.error!.message).toBe(
      'row 2 (line 3): a quoted field is not closed before the end of the file',
    );
  });

  it('refuses a record longer than the limit, whole or still open, and a header too', () => {
    const whole = recordsOf([`id,text\na,${'x'.repeat(100)}\n`], 64);
    expect(whole.error).toBeInstanceOf(TooLargeError);
    expect(whole.error!.message).toMatch(/^row 1 \(line 2\) is longer than 64 bytes/);
    // An unclosed quote is refused once it passes the limit, not at the end of the file.
    const csv = new CsvRecords(64);
    expect(csv.push('id,text\na,1\nb,"').error).toBeUndefined();
    const open = csv.push('y'.repeat(100));
    expect(open.error).toBeInstanceOf(TooLargeError);
    expect(open.error!.message).toMatch(/^row 2 \(line 3\) is longer than 64 bytes/);
    expect(recordsOf(['a'.repeat(100)], 64).error!.message).toMatch(/^the header row \(line 1\)/);
  });
});
