// What a delivery's answer means for its row, as pure functions: the target's answer (a DataFast
// goal result, a webhook's HTTP status, a thrown error) becomes a SendResult, and a SendResult
// with the row's attempts so far becomes how the row settles (backoff.ts decides when to retry).
//
// - delivered: done.
// - refused: the target will never take it (DataFast 400/404; a webhook's 4xx other than 408 and
//   429); recorded as `rejected`, never retried.
// - paused: DataFast asked for a pause (429), its goals breaker is open, or the upstream budget has
//   no call to spare now: not the row's fault, so no attempt is used; it waits for the pause's end.
// - failed: worth another try (a timeout, a reset, a 5xx, 408, 429 from a webhook, 401/403 from
//   DataFast: a key fixed later makes them go); an attempt is used, and after the last one the row
//   is `failed`.
import type { GoalResult } from '../datafast/client.js';
import type { OutboxSettlement } from '../store/store.js';
import { backoffDelay, exhausted, type BackoffPolicy } from './backoff.js';

export type SendResult =
  | { kind: 'delivered' }
  | { kind: 'refused'; error: string }
  | { kind: 'paused'; until: number }
  | { kind: 'failed'; error: string };

/** How long a pause without a known end lasts. */
export const UNKNOWN_PAUSE_MS = 1000;

/** How a row settles after `result`, having failed `attempts` times before. */
export function settlementFor(attempts: number, result: SendResult, policy: BackoffPolicy, now: number, random: () => number): OutboxSettlement {
  switch (result.kind) {
    case 'delivered':
      return { state: 'delivered', attempts, error: null };
    case 'refused':
      return { state: 'rejected', attempts, error: result.error };
    case 'paused':
      return { state: 'pending', attempts, retryAt: Math.max(result.until, now), error: 'paused' };
    case 'failed': {
      const n = attempts + 1;
      if (exhausted(policy, n)) return { state: 'failed', attempts: n, error: result.error };
      return { state: 'pending', attempts: n, retryAt: now + backoffDelay(policy, n, random), error: result.error };
    }
  }
}

/** DataFast's answer to a goal; `retryAt` is when its goals breaker lets a call through again (0: now). */
export function goalSendResult(result: GoalResult, retryAt: number, now: number): SendResult {
  switch (result.kind) {
    case 'created':
      return { kind: 'delivered' };
    case 'rejected':
      return { kind: 'refused', error: `http-${result.status}` };
    case 'unavailable':
      if (result.cause === 'paused' || result.cause === 'rate-limited' || result.cause === 'budget') return { kind: 'paused', until: retryAt > now ? retryAt : now + UNKNOWN_PAUSE_MS };
      return { kind: 'failed', error: result.cause };
  }
}

/** A webhook's HTTP status. */
export function webhookSendResult(status: number): SendResult {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return { kind: 'refused', error: `http-${status}` };
  return { kind: 'failed', error: `http-${status}` };
}

/** A request that threw: its deadline passed, or the connection failed (a redirect refused included). */
export function thrownSendResult(err: unknown): SendResult {
  const name = (err as { name?: unknown } | null)?.name;
  return { kind: 'failed', error: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network' };
}
