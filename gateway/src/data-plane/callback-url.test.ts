import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { checkCallbackUrl } from './callback-url.js';

describe('checkCallbackUrl', () => {
  const refusal = (url: string, origins: string[]) => {
    try {
      checkCallbackUrl(url, origins);
    } catch (err) {
      return err as InvalidInputError;
    }
    return null;
  };

  it('accepts any http(s) URL when every origin is allowed', () => {
    expect(refusal('http://127.0.0.1:9000/done', ['*'])).toBeNull();
    expect(refusal('https://hooks.example.com/x?y=1', ['*'])).toBeNull();
  });

  it('refuses what is not an absolute http(s) URL, naming the header', () => {
    for (const url of ['ftp://x', '/relative', 'not a url', 'file:///etc/passwd']) {
      const err = refusal(url, ['*']);
      expect(err).toBeInstanceOf(InvalidInputError);
      expect(err).toMatchObject({ status: 400, field: 'X-Callback-Url' });
    }
  });

  it('allows only the listed origins when a list is set', () => {
    const origins = ['https://hooks.example.com', 'http://10.0.0.5:8080'];
    expect(refusal('https://hooks.example.com/run-done', origins)).toBeNull();
    expect(refusal('http://10.0.0.5:8080/x', origins)).toBeNull();
    const metadata = refusal('http://169.254.169.254/latest/meta-data/', origins);
    expect(metadata?.message).toMatch(
      /http:\/\/169\.254\.169\.254 is not an allowed callback origin.*SLIPWAY_CALLBACK_ORIGINS/,
    );
    // Same host, other scheme or port: another origin.
    expect(refusal('http://hooks.example.com/run-done', origins)).not.toBeNull();
    expect(refusal('http://10.0.0.5:8081/x', origins)).not.toBeNull();
  });
});
