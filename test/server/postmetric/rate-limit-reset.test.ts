import { describe, expect, it } from 'vitest';
import { pauseFromHeaders } from '../../../server/postmetric/rate-limit-reset';

const NOW = 1_700_000_000_000;
const headers = (reset: string | null) => ({ limit: '100', remaining: '0', reset });

describe('pauseFromHeaders', () => {
  it('reads X-RateLimit-Reset as epoch seconds, epoch ms or seconds from now', () => {
    expect(pauseFromHeaders(null, headers(String(NOW / 1000 + 42)), NOW)).toBe('42');
    expect(pauseFromHeaders(null, headers(String(NOW + 5_500)), NOW)).toBe('6');
    expect(pauseFromHeaders(null, headers('30'), NOW)).toBe('30');
  });

  it('never gives a negative pause for a reset in the past', () => {
    expect(pauseFromHeaders(null, headers(String(NOW / 1000 - 10)), NOW)).toBe('0');
  });

  it('prefers Retry-After, and gives none for a missing or malformed reset', () => {
    expect(pauseFromHeaders('7', headers('30'), NOW)).toBe('7');
    expect(pauseFromHeaders(null, headers(null), NOW)).toBeNull();
    expect(pauseFromHeaders(null, headers('soon'), NOW)).toBeNull();
    expect(pauseFromHeaders(null, headers('-5'), NOW)).toBeNull();
  });
});
