// Reads the single-use code files of pooled coupons when the offers are loaded, so a missing or
// broken file stops start-up (or is refused on reload) with its name rather than failing a visitor later.
import { readFileSync } from 'node:fs';
import type { Problem } from '../config/config-error.js';
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

/**
 * Reads the pool file of every pooled coupon among `offers` (the offers file's list, so a problem
 * is named by its place there: `offers[2].codePool`). Every unreadable or broken file is reported.
 */
export function loadCouponPools(offers: readonly Offer[]): { pools: Map<string, readonly string[]>; problems: Problem[] } {
  const pools = new Map<string, readonly string[]>();
  const problems: Problem[] = [];
  offers.forEach((offer, i) => {
    if (offer.kind !== 'coupon' || offer.codePool === null) return;
    const place = `offers[${i}].codePool`;
    let text: string;
    try {
      text = readFileSync(offer.codePool, 'utf8');
    } catch (err) {
      problems.push({ place, problem: `cannot read "${offer.codePool}" (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})` });
      return;
    }
    const parsed = parseCodePool(text);
    if (parsed.ok) pools.set(offer.id, Object.freeze(parsed.codes));
    else problems.push({ place, problem: `${offer.codePool}: ${parsed.error}` });
  });
  return { pools, problems };
}
