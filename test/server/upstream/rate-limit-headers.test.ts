// X-RateLimit-Remaining / -Reset as the budget reads them: Reset as a delay in seconds, or as a
// time in epoch seconds or ms; anything else, or a missing header, says nothing.
import { describe, expect, it } from 'vitest';
import { quotaFromHeaders } from '../../../server/upstream/rate-limit-headers';

const NOW = 1_750_000_000_000;

describe('quotaFromHeaders', () => {
  it.each([
    ['a delay in seconds', '42', NOW + 42_000],
    ['epoch seconds', String(NOW / 1000 + 30), NOW + 30_000],
    ['epoch ms', String(NOW + 15_000), NOW + 15_000],
  ])('reads Reset as %s', (_what, reset, resetAt) => {
    expect(quotaFromHeaders({ remaining: '7', reset }, NOW)).toEqual({ remaining: 7, resetAt });
  });

  it.each([
    ['no Remaining', { remaining: null, reset: '10' }],
    ['no Reset', { remaining: '10', reset: null }],
    ['a negative count', { remaining: '-1', reset: '10' }],
    ['text', { remaining: 'many', reset: '10' }],
    ['an HTTP date', { remaining: '1', reset: 'Wed, 21 Oct 2026 07:28:00 GMT' }],
    ['a huge number', { remaining: '1'.repeat(40), reset: '10' }],
  ])('says nothing for %s', (_what, headers) => {
    expect(quotaFromHeaders(headers, NOW)).toBeNull();
  });
});
