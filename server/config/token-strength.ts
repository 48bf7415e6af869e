// How strong ADMIN_TOKEN, CONVERSIONS_TOKEN and VISITOR_OFFERS_SECRET must be: one rule, used by the
// options schema (so the router and the standalone server) and by `visitor-offers preview-link`.
//
// A string's entropy cannot be measured, only its plainly guessable shapes refused. Any random
// token of 32 characters or more passes (32 hex digits are 128 bits; `gen-token` prints 43
// base64url characters, 256 bits); these do not:
// - fewer than 32 characters;
// - anything but printable ASCII without spaces (it travels in an Authorization header);
// - fewer than 8 different characters ("aaaa…", "abab…", "1111…");
// - a shorter piece repeated ("0123456789" three times and a bit, "s3cret!!" four times).

export const MIN_TOKEN_LENGTH = 32;
export const MIN_TOKEN_DISTINCT = 8;

const HINT = '`visitor-offers gen-token` prints a good one';

/** What makes `token` too weak, as a problem for a ConfigError (never the token itself), or null. */
export function tokenWeakness(token: string, travels = 'it is sent in an Authorization header'): string | null {
  if (token.length < MIN_TOKEN_LENGTH) return `is too short: at least ${MIN_TOKEN_LENGTH} characters (got ${token.length}); ${HINT}`;
  if (!/^[\x21-\x7e]+$/.test(token)) return `must be printable ASCII without spaces (${travels}); ${HINT}`;
  const distinct = new Set(token).size;
  if (distinct < MIN_TOKEN_DISTINCT) return `is too easy to guess: only ${distinct} different character${distinct === 1 ? '' : 's'} (at least ${MIN_TOKEN_DISTINCT}); ${HINT}`;
  if (smallestPeriod(token) <= token.length / 2) return `is too easy to guess: a short piece repeated; ${HINT}`;
  return null;
}

/** The least p with s[i] === s[i + p] for every i (s.length when nothing repeats): KMP's failure function. */
function smallestPeriod(s: string): number {
  const border = new Array<number>(s.length).fill(0);
  for (let i = 1, k = 0; i < s.length; i++) {
    while (k > 0 && s[i] !== s[k]) k = border[k - 1] as number;
    if (s[i] === s[k]) k++;
    border[i] = k;
  }
  return s.length - (border[s.length - 1] ?? 0);
}
