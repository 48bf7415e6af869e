// The page a decision is for, as the widget sends it (`?path=/pricing?utm_source=x&referrer=…`):
// untrusted input, read into the facts rules may use, or refused.
import type { PageFacts } from '../decision/decide.js';

const MAX_PATH = 2048;
// A page path as the widget sends it: absolute, printable, no scheme or host; query allowed.
const PAGE_PATH = /^\/[\x21-\x7e]*$/;

export function readPagePath(value: unknown): string | null {
  if (value === undefined || value === '') return '/';
  if (typeof value !== 'string' || value.length > MAX_PATH || !PAGE_PATH.test(value) || value.startsWith('//')) return null;
  return value;
}

/** The page facts rules may use; null when `path` is not a page path. A bad referrer is just ignored. */
export function readPage(pathParam: unknown, referrerParam: unknown): PageFacts | null {
  const full = readPagePath(pathParam);
  if (full === null) return null;
  const noFragment = full.split('#', 1)[0] ?? '/';
  const q = noFragment.indexOf('?');
  const path = q === -1 ? noFragment : noFragment.slice(0, q);
  const query: Record<string, string> = {};
  if (q !== -1) {
    for (const [k, v] of new URLSearchParams(noFragment.slice(q + 1))) if (!(k in query)) query[k] = v;
  }
  return { path: path === '' ? '/' : path, query, referrer: readReferrer(referrerParam) };
}

function readReferrer(value: unknown): string | null {
  if (typeof value !== 'string' || value === '' || value.length > MAX_PATH) return null;
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}
