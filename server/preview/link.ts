// A preview link: the page's URL with the two parameters the widget reads. Made by
// `POST /preview-links` (the dashboard) and by `visitor-offers preview-link`. Pure.
import type { PreviewPageParam } from '../contract.js';
import type { Policy } from '../decision/decide.js';
import { parseTarget, SEGMENTS, targetKey, targetParam, type PreviewTarget } from './target.js';
import { signPreview, type PreviewKey } from './token.js';

export const PREVIEW_PARAM = 'visitor-offers-preview' satisfies PreviewPageParam;
export const TOKEN_PARAM = 'visitor-offers-token' satisfies PreviewPageParam;

// Resolves a path without touching it; never part of a returned link.
const PLACEHOLDER = 'http://preview.invalid';

/**
 * `page` (an absolute http(s) URL, or a path with optional query) with the preview parameters set,
 * replacing any it had; its other parameters and fragment are kept. A path gives a path back.
 */
export function previewUrl(page: string, target: PreviewTarget, token: string): string {
  const absolute = /^https?:\/\//i.test(page);
  const url = new URL(page, PLACEHOLDER);
  url.searchParams.delete(PREVIEW_PARAM);
  url.searchParams.delete(TOKEN_PARAM);
  // Target and token are made of [a-z0-9:._-] and base64url: nothing in them needs escaping, and
  // `segment:low` reads better than `segment%3Alow`.
  const extra = `${PREVIEW_PARAM}=${targetParam(target)}&${TOKEN_PARAM}=${token}`;
  const search = url.search === '' ? `?${extra}` : `${url.search}&${extra}`;
  return `${absolute ? url.origin : ''}${url.pathname}${search}${url.hash}`;
}

export interface LinkRequest {
  key: PreviewKey;
  /** The offers in force: an offer target must be one of them. */
  policy: Policy;
  /** `<offer id>`, `offer:<id>` or `segment:<segment>`. */
  target: string;
  /** Absolute URL or path of the page to preview on. */
  page: string;
  minutes?: number;
  now: number;
}

export type PreviewLink = { ok: true; url: string; target: string; expiresAt: number } | { ok: false; problem: string };

/** A signed link, or the problem with the target (`target: …`) in the words of a config error. */
export function makePreviewLink({ key, policy, target, page, minutes, now }: LinkRequest): PreviewLink {
  const t = parseTarget(target);
  if (t === null) return { ok: false, problem: `target: expected an offer id or segment:<${SEGMENTS.join('|')}>, got "${target}"` };
  if (t.kind === 'offer' && !policy.offers.has(t.offerId)) {
    return { ok: false, problem: `target: no offer "${t.offerId}" is configured (offers: ${[...policy.offers.keys()].join(', ')})` };
  }
  const signed = signPreview(key, targetKey(t), now, minutes);
  return { ok: true, url: previewUrl(page, t, signed.token), target: targetKey(t), expiresAt: signed.expiresAt };
}
