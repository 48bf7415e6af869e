// Bearer tokens for the owner's routes (dashboard data, experiments, preview links, conversions).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

/** Constant-time comparison of digests, so neither content nor length leaks through timing. */
export function bearerMatches(req: Request, token: string): boolean {
  const header = req.get('authorization') ?? '';
  // The auth scheme is case-insensitive (RFC 7235 §2.1): `bearer x` is the same as `Bearer x`.
  const given = /^bearer +(.*)$/i.exec(header)?.[1] ?? '';
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return given !== '' && timingSafeEqual(a, b);
}
