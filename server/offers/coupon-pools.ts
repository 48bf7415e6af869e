// Reads the single-use code files of pooled coupons once, when the router is created, so a missing
// or broken file stops start-up with its name rather than failing a visitor later.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/config-error.js';
import type { Offer } from '../decision/offer.js';

const CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** One code per line; blank lines and `#` comments are ignored; codes must be unique. */
export function parseCodePool(text: string): { ok: true; codes: string[] } | { ok: false; error: string } {
  const codes: string[] = [];
  const seen = new Set<string>();
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!CODE.test(line)) return { ok: false, error: `line ${i + 1}: "${line.slice(0, 40)}" is not a code (letters, digits, _ and -)` };
    if (seen.has(line)) return { ok: false, error: `line ${i + 1}: code "${line}" appears twice` };
    seen.add(line);
    codes.push(line);
  }
  if (codes.length === 0) return { ok: false, error: 'has no codes' };
  return { ok: true, codes };
}

export function loadCouponPools(offers: Iterable<Offer>): Map<string, readonly string[]> {
  const pools = new Map<string, readonly string[]>();
  for (const offer of offers) {
    if (offer.kind !== 'coupon' || offer.codePool === null) continue;
    let text: string;
    try {
      text = readFileSync(offer.codePool, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError(`offers.${offer.id}.codePool`, `cannot read "${offer.codePool}" (${code})`);
    }
    const parsed = parseCodePool(text);
    if (!parsed.ok) throw new ConfigError(`offers.${offer.id}.codePool`, `${offer.codePool}: ${parsed.error}`);
    pools.set(offer.id, Object.freeze(parsed.codes));
  }
  return pools;
}
