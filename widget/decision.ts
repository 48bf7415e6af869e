// GET {endpoint}/offer, once per page view: one promise per endpoint + page, shared by every
// <visitor-offer> on the page. Any failure (network, timeout, non-200, bad JSON, unexpected shape)
// resolves to null — the widget then renders nothing — and never throws or logs an error.
// Where PostMetric's browser script runs, its visitor id goes along as X-Visitor-Id (the server
// uses it when no analytics cookie is readable).
import { previewQuery } from './preview';
import type { OfferResponse } from './types';

const decisions = new Map<string, Promise<OfferResponse | null>>();

export function getDecision(endpoint: string, page: string, timeoutMs: number): Promise<OfferResponse | null> {
  const key = `${endpoint} ${page}`;
  let pending = decisions.get(key);
  if (!pending) {
    const referrer = document.referrer;
    // A page in another language than English (built in) asks for its words: the server sends
    // what differs from English.
    const lang = document.documentElement.lang;
    const url = `${endpoint}/offer?path=${encodeURIComponent(page)}${referrer ? `&referrer=${encodeURIComponent(referrer)}` : ''}${lang && !/^en\b/i.test(lang) ? `&lang=${encodeURIComponent(lang)}` : ''}${previewQuery}`;
    pending = load(url, timeoutMs);
    decisions.set(key, pending);
  }
  return pending;
}

declare global {
  interface Window {
    postMetric?: { getVisitorId?: () => unknown };
  }
}

/**
 * window.postMetric.getVisitorId(), when the page has that API and it gives a PostMetric id (the
 * server's rule: 1–128 letters, digits, _ or -; anything else could not even be a header value);
 * else undefined. A missing or throwing API is no id, never an error.
 */
function postMetricId(): string | undefined {
  try {
    const id = window.postMetric?.getVisitorId?.();
    return typeof id === 'string' && /^[\w-]{1,128}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

async function load(url: string, timeoutMs: number): Promise<OfferResponse | null> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const id = postMetricId();
    const res = await fetch(url, { signal: abort.signal, ...(id && { headers: { 'x-visitor-id': id } }) });
    // The body is read under the same deadline: a server that stalls mid-body is a timeout too.
    const body: unknown = res.status === 200 ? await res.json() : null;
    return isDecision(body) ? body : null;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose => typeof v === 'object' && v !== null;

/** Enough of the shape that rendering cannot throw; the server is trusted for the rest. */
function isDecision(v: unknown): v is OfferResponse {
  if (!isObject(v)) return false;
  const { offer, experiment } = v;
  if (experiment != null && !(isObject(experiment) && typeof experiment.id === 'string' && typeof experiment.variant === 'string')) return false;
  return (
    offer === null ||
    (isObject(offer) &&
      typeof offer.id === 'string' &&
      typeof offer.headline === 'string' &&
      typeof offer.body === 'string' &&
      isObject(offer.trigger) &&
      /^(coupon|urgency|lead_magnet)$/.test(String(offer.kind)))
  );
}
