// What this browser remembers about offers, in localStorage under one key:
// `{ [offerId]: { d?: dismissedAt, v?: [shownAt, …] } }` (epoch ms). Storage may be blocked or full
// (private modes, sandboxed frames, cookie settings): every access is in try/catch, and without
// storage offers simply are not remembered.
//
// A preview page view neither reads nor writes it: nothing suppresses a preview, and a preview's
// views and dismissal are not remembered.
//
// Plus the page-view guard, in module memory: an offer claimed by one <visitor-offer> is not shown
// by another on the same page view, and its exposure is sent once.

import { shared } from './shared';

const KEY = 'visitor-offers';
const DAY = 86_400_000;

interface Seen {
  /** Dismissed at. */
  d?: number;
  /** Shown at, within the last 24 h. */
  v?: number[];
}

type Store = Record<string, Seen>;

function read(): Store {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Store) : {};
  } catch {
    return {};
  }
}

function update(id: string, change: (seen: Seen, now: number) => void): void {
  if (shared.preview) return;
  try {
    const store = read();
    const now = Date.now();
    const seen = (store[id] ??= {});
    change(seen, now);
    localStorage.setItem(KEY, JSON.stringify(store));
  } catch {
    // blocked or full: not remembered
  }
}

const recentViews = (seen: Seen | undefined, now: number): number[] =>
  Array.isArray(seen?.v) ? seen.v.filter((t) => typeof t === 'number' && now - t < DAY) : [];

/** Why an offer must not be shown now, or null. */
export function suppressed(id: string, dismissDays: number, maxViews: number): 'dismissed' | 'capped' | null {
  if (shared.preview) return null;
  const seen = read()[id];
  const now = Date.now();
  if (typeof seen?.d === 'number' && now - seen.d < dismissDays * DAY) return 'dismissed';
  return recentViews(seen, now).length >= maxViews ? 'capped' : null;
}

export const rememberView = (id: string): void =>
  update(id, (seen, now) => {
    seen.v = [...recentViews(seen, now), now];
  });

export const rememberDismissal = (id: string): void =>
  update(id, (seen, now) => {
    seen.d = now;
  });

const claims = new Map<string, object>();

/** Reserves `id` for `owner` on this page view; false when another element already has it. */
export function claim(id: string, owner: object): boolean {
  const holder = claims.get(id) ?? owner;
  claims.set(id, holder);
  return holder === owner;
}

/** Gives up what `owner` claimed (it left the page: another element may show the offer). */
export function release(owner: object): void {
  for (const [id, holder] of claims) if (holder === owner) claims.delete(id);
}

const sent = new Set<string>();

/** True the first time `key` is passed on this page view. */
export const firstTime = (key: string): boolean => !sent.has(key) && !!sent.add(key);
