// What a preview shows: one offer by id, or what a segment would get. Written `segment:low` or
// `offer:<id>` (a bare `<id>` means the offer too, as the page URL's parameter allows); the
// canonical form, `offer:<id>` or `segment:<segment>`, is what a token binds.
import type { Segment } from '../decision/segment.js';

export type PreviewTarget = { kind: 'offer'; offerId: string } | { kind: 'segment'; segment: Segment };

export const SEGMENTS: readonly Segment[] = ['low', 'average', 'high', 'unknown', 'customer'];

/** The offer id syntax of the offers file. */
const OFFER_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** The target a string names, or null when it names none (unknown segment, not an offer id). */
export function parseTarget(text: string): PreviewTarget | null {
  if (text.startsWith('segment:')) {
    const segment = text.slice('segment:'.length);
    return (SEGMENTS as readonly string[]).includes(segment) ? { kind: 'segment', segment: segment as Segment } : null;
  }
  const offerId = text.startsWith('offer:') ? text.slice('offer:'.length) : text;
  return OFFER_ID.test(offerId) ? { kind: 'offer', offerId } : null;
}

/** `offer:<id>` or `segment:<segment>`: what a token is signed for. */
export function targetKey(target: PreviewTarget): string {
  return target.kind === 'offer' ? `offer:${target.offerId}` : `segment:${target.segment}`;
}

/** The page URL's form: the bare offer id, or `segment:<segment>`. */
export function targetParam(target: PreviewTarget): string {
  return target.kind === 'offer' ? target.offerId : `segment:${target.segment}`;
}
