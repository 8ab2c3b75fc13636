import { describe, expect, it } from 'vitest';
import { isImageUrl, shortCallId, showValue } from './call-values.js';
import { shouldPoll, tabsAffectedBy } from './monitor-tabs.js';

const PNG = 'data:image/png;base64,iVBORw0KGgo=';

describe('showValue', () => {
  it('indents JSON and names each image in the text instead of its base64', () => {
    const shown = showValue({ outputs: [PNG, { score: 0.5 }] });
    expect(shown.images).toEqual([{ label: '[image 1]', src: PNG }]);
    expect(JSON.parse(shown.text)).toEqual({ outputs: ['[image 1]', { score: 0.5 }] });
    expect(shown.text).toContain('\n  ');
  });

  it('shows a string as its text, nothing for nothing', () => {
    expect(showValue('printed\nlines')).toEqual({ text: 'printed\nlines', images: [] });
    expect(showValue(null)).toEqual({ text: '', images: [] });
  });

  it('takes only base64 image data URLs as images', () => {
    expect(isImageUrl(PNG)).toBe(true);
    expect(isImageUrl('data:image/svg+xml;base64,PHN2Zz4=')).toBe(true);
    expect(isImageUrl('data:text/html;base64,PHNjcmlwdD4=')).toBe(false);
    expect(isImageUrl('javascript:alert(1)')).toBe(false);
    expect(isImageUrl('data:image/png;base64,"><script>')).toBe(false);
  });

  it('shortens call ids as git does', () => {
    expect(shortCallId('fb129df9-00f3-4cca-a8ea-34626aeaa34f')).toBe('fb129df9');
  });
});

describe('the Try it tab in the monitor', () => {
  const plan = { refreshSeconds: 2, reportSeconds: 30 };
  const now = new Date('2026-11-22T10:00:00.000Z');

  it('fetches once, and again only on a deployment event (a new signature)', () => {
    expect(shouldPoll('tryit', { live: false, refreshedAt: null, now }, plan)).toBe(true);
    expect(shouldPoll('tryit', { live: false, refreshedAt: new Date(0), now }, plan)).toBe(false);
    expect(
      tabsAffectedBy({ type: 'deployment', deployment: 'iris', change: 'published' }),
    ).toContain('tryit');
  });
});
