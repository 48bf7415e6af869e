// What a target's answer makes of a delivery: DataFast's goal results and a webhook's statuses as
// send results (refused for good, failed, a pause), and how a row settles after each — delivered,
// rejected, back in the queue with an attempt used (or not, for a pause), or failed at the last.
import { describe, expect, it } from 'vitest';
import type { BackoffPolicy } from '../../../server/delivery/backoff';
import { goalSendResult, settlementFor, thrownSendResult, UNKNOWN_PAUSE_MS, webhookSendResult } from '../../../server/delivery/outcome';

const POLICY: BackoffPolicy = { baseMs: 100, capMs: 1000, maxAttempts: 3 };
const NOW = 1_700_000_000_000;
const half = () => 0.5;

describe('DataFast goal results', () => {
  it('created is delivered; 400/404 and the like are refused for good, with the status', () => {
    expect(goalSendResult({ kind: 'created' }, 0, NOW)).toEqual({ kind: 'delivered' });
    expect(goalSendResult({ kind: 'rejected', status: 400 }, 0, NOW)).toEqual({ kind: 'refused', error: 'http-400' });
    expect(goalSendResult({ kind: 'rejected', status: 404 }, 0, NOW)).toEqual({ kind: 'refused', error: 'http-404' });
  });

  it('a 429 or an open breaker is a pause until the client lets calls through (or a second, when unknown)', () => {
    expect(goalSendResult({ kind: 'unavailable', cause: 'rate-limited' }, NOW + 7000, NOW)).toEqual({ kind: 'paused', until: NOW + 7000 });
    expect(goalSendResult({ kind: 'unavailable', cause: 'paused' }, NOW + 300, NOW)).toEqual({ kind: 'paused', until: NOW + 300 });
    expect(goalSendResult({ kind: 'unavailable', cause: 'paused' }, 0, NOW)).toEqual({ kind: 'paused', until: NOW + UNKNOWN_PAUSE_MS });
  });

  it('the upstream budget with no call to spare is a pause too (no attempt used), a second long', () => {
    expect(goalSendResult({ kind: 'unavailable', cause: 'budget' }, 0, NOW)).toEqual({ kind: 'paused', until: NOW + UNKNOWN_PAUSE_MS });
  });

  it('timeouts, resets, 5xx and a refused key (401/403: fixed later, the goals go) are failures worth a retry', () => {
    for (const cause of ['timeout', 'network', 'server-error', 'auth'] as const) {
      expect(goalSendResult({ kind: 'unavailable', cause }, 0, NOW)).toEqual({ kind: 'failed', error: cause });
    }
  });
});

describe('webhook answers', () => {
  it.each([200, 201, 202, 204, 299])('%i: delivered', (status) => expect(webhookSendResult(status)).toEqual({ kind: 'delivered' }));
  it.each([400, 401, 403, 404, 409, 410, 422, 499])('%i: refused for good, never retried', (status) => expect(webhookSendResult(status)).toEqual({ kind: 'refused', error: `http-${status}` }));
  it.each([408, 429, 500, 502, 503, 504, 307, 100])('%i: failed, retried', (status) => expect(webhookSendResult(status)).toEqual({ kind: 'failed', error: `http-${status}` }));

  it('a request that threw: its deadline (timeout), anything else (network, a refused redirect)', () => {
    expect(thrownSendResult(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toEqual({ kind: 'failed', error: 'timeout' });
    expect(thrownSendResult(Object.assign(new Error('a'), { name: 'AbortError' }))).toEqual({ kind: 'failed', error: 'timeout' });
    expect(thrownSendResult(new TypeError('fetch failed'))).toEqual({ kind: 'failed', error: 'network' });
    expect(thrownSendResult(null)).toEqual({ kind: 'failed', error: 'network' });
  });
});

describe('how a row settles', () => {
  it('delivered and refused are final, with the attempts so far', () => {
    expect(settlementFor(2, { kind: 'delivered' }, POLICY, NOW, half)).toEqual({ state: 'delivered', attempts: 2, error: null });
    expect(settlementFor(1, { kind: 'refused', error: 'http-404' }, POLICY, NOW, half)).toEqual({ state: 'rejected', attempts: 1, error: 'http-404' });
  });

  it('a failure uses an attempt and waits the policy’s jittered delay for that attempt', () => {
    expect(settlementFor(0, { kind: 'failed', error: 'timeout' }, POLICY, NOW, half)).toEqual({ state: 'pending', attempts: 1, retryAt: NOW + 50, error: 'timeout' });
    expect(settlementFor(1, { kind: 'failed', error: 'timeout' }, POLICY, NOW, half)).toEqual({ state: 'pending', attempts: 2, retryAt: NOW + 100, error: 'timeout' });
  });

  it('the last attempt failing gives the row up', () => {
    expect(settlementFor(2, { kind: 'failed', error: 'http-503' }, POLICY, NOW, half)).toEqual({ state: 'failed', attempts: 3, error: 'http-503' });
  });

  it('a pause uses no attempt, even at the last one, and waits for its end (never before now)', () => {
    expect(settlementFor(2, { kind: 'paused', until: NOW + 9000 }, POLICY, NOW, half)).toEqual({ state: 'pending', attempts: 2, retryAt: NOW + 9000, error: 'paused' });
    expect(settlementFor(0, { kind: 'paused', until: NOW - 5 }, POLICY, NOW, half)).toMatchObject({ retryAt: NOW });
  });
});
