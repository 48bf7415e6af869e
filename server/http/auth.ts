// Bearer tokens for the owner's routes (dashboard data, experiments, preview links, conversions):
// the constant-time comparison, and the guard every such route asks, which throttles and logs
// wrong tokens per client address.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Logger } from '../logger.js';
import { reply } from '../routes/reply.js';
import { AuthFailureLog } from './auth-log.js';
import { addressKey } from './client-key.js';
import type { RedisKeyring } from '../redis/keyring.js';
import type { RedisLink } from '../redis/redis-link.js';
import { RateLimit } from './rate-limit.js';

/** Constant-time comparison of digests, so neither content nor length leaks through timing. */
export function bearerMatches(req: Request, token: string): boolean {
  const header = req.get('authorization') ?? '';
  // The auth scheme is case-insensitive (RFC 7235 §2.1): `bearer x` is the same as `Bearer x`.
  const given = /^bearer +(.*)$/i.exec(header)?.[1] ?? '';
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return given !== '' && timingSafeEqual(a, b);
}

export interface BearerGuardOptions {
  /** Wrong tokens accepted per client address per minute; then 429 for every token until the minute is over. */
  failuresPerMinute: number;
  logger: Logger;
  now?: () => number;
  /** Redis, so wrong tokens add up across instances; none by default. */
  shared?: { link: RedisLink; keyring: RedisKeyring } | null;
}

/**
 * One per router, shared by every protected route, so guesses add up whichever route they try.
 * - A request that sends an Authorization header with none of the route's tokens is a wrong token:
 *   401, counted for its address (req.ip, as `trust proxy` resolves it; an IPv6 one by its /64).
 *   One without the header is not a guess (the dashboard's first load): 401, not counted.
 * - Once an address has `failuresPerMinute` wrong tokens in its minute (a window from its first
 *   wrong token; with Redis, counted across instances), every request of it to a protected route
 *   is answered 429 with Retry-After, its token left unchecked — the right token too, or guessing
 *   would go on at full speed with the answer in the status. A right token does not clear the
 *   count: a backend sharing the address would otherwise reset it for a guesser.
 */
export class BearerGuard {
  readonly #failures: RateLimit;
  readonly #log: AuthFailureLog;

  constructor(options: BearerGuardOptions) {
    const now = options.now ?? (() => Date.now());
    this.#failures = new RateLimit({ name: 'auth_failures_per_ip', limit: options.failuresPerMinute, windowMs: 60_000, shared: options.shared ?? null });
    this.#log = new AuthFailureLog(options.logger, now);
  }

  /**
   * True when the request carries one of `tokens` (each compared in constant time, so timing does
   * not tell which). Otherwise the 401 (`refusal` as its error) or the 429 is sent and false returned.
   * Never rejects.
   */
  async admit(req: Request, res: Response, tokens: readonly string[], refusal: string): Promise<boolean> {
    // Counted per client (an IPv6 /64, see client-key.ts); the log names the address itself.
    const key = addressKey(req.ip);
    const attempt = { address: req.ip ?? 'unknown', route: `${req.method} ${req.baseUrl}${req.path}` };
    const throttled = await this.#failures.peek(key);
    if (!throttled.ok) {
      this.#log.throttled(attempt);
      tooMany(res, throttled.retryAfterSeconds);
      return false;
    }
    const matches = tokens.map((token) => bearerMatches(req, token));
    if (matches.includes(true)) return true;
    if ((req.get('authorization') ?? '') !== '') {
      const counted = await this.#failures.take(key);
      // This guess used up the allowance: the next request from the address is throttled.
      this.#log.refused(attempt, counted.remaining > 0 ? null : { retryAfterSeconds: counted.resetSeconds });
    }
    reply(res, 401, { error: refusal }, { 'www-authenticate': 'Bearer realm="visitor-offers"' });
    return false;
  }

  /** Logs the refusals not yet logged; the router calls it when it closes. */
  close(): void {
    this.#log.close();
  }
}

function tooMany(res: Response, retryAfterSeconds: number): void {
  reply(res, 429, { error: `too many wrong tokens from this address: try again in ${retryAfterSeconds} s` }, { 'retry-after': String(retryAfterSeconds) });
}
