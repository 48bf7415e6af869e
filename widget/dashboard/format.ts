// Small pure formatters for the dashboard (no DOM): flags, country names, percentages, ages, money.

const A = 'A'.charCodeAt(0);
const REGIONAL_INDICATOR_A = 0x1f1e6;
const COUNTRY = /^[A-Z]{2}$/;

/** 🇩🇪 for "DE"; '' for anything that is not a two-letter code. */
export function flagEmoji(code: string | null | undefined): string {
  if (!code || !COUNTRY.test(code)) return '';
  return String.fromCodePoint(...[...code].map((c) => REGIONAL_INDICATOR_A + c.charCodeAt(0) - A));
}

let regions: Intl.DisplayNames | null | undefined;

/** "Germany" for "DE" (English names), the code itself when the browser cannot name it. */
export function countryName(code: string): string {
  if (regions === undefined) {
    try {
      regions = new Intl.DisplayNames(['en'], { type: 'region' });
    } catch {
      regions = null;
    }
  }
  try {
    return regions?.of(code) ?? code;
  } catch {
    return code;
  }
}

/** 0.1234 → "12.3%"; null → "—". */
export function pct(x: number | null | undefined, digits = 1): string {
  return x == null || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(digits)}%`;
}

/** A signed relative change: 0.25 → "+25.0%". */
export function signedPct(x: number | null | undefined, digits = 1): string {
  if (x == null || !Number.isFinite(x)) return '—';
  return `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(digits)}%`;
}

/** p-values: "0.0123", "< 0.0001". */
export function pValue(p: number | null | undefined): string {
  if (p == null || !Number.isFinite(p)) return '—';
  return p < 0.0001 ? '< 0.0001' : p.toFixed(4);
}

/** Seconds elapsed → "just now", "12 s ago", "3 min ago", "2 h ago". */
export function secondsAgo(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 2) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  return `${Math.floor(m / 60)} h ago`;
}

/** Whole minutes elapsed → "just now", "4 min ago", "2 h ago". */
export function minutesAgo(minutes: number): string {
  return minutes < 1 ? 'just now' : secondsAgo(minutes * 60);
}

/** 49, "USD" → "$49.00"; without a currency the bare number; null → "—". */
export function money(amount: number | null, currency: string | null): string {
  if (amount === null || !Number.isFinite(amount)) return '—';
  if (currency !== null) {
    try {
      return new Intl.NumberFormat('en', { style: 'currency', currency }).format(amount);
    } catch {
      // not a currency this browser knows: fall through
    }
  }
  const n = new Intl.NumberFormat('en', { maximumFractionDigits: 2 }).format(amount);
  return currency === null ? n : `${n} ${currency}`;
}

/** Score 0–100 without decimals; confidence with two; "—" when missing. */
export const score = (x: number | null): string => (x === null ? '—' : String(Math.round(x)));
export const confidence = (x: number | null): string => (x === null ? '—' : x.toFixed(2));

/** "lead_magnet" → "lead magnet". */
export const kindLabel = (kind: string): string => kind.replace(/_/g, ' ');
