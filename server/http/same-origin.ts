// The Origin / Sec-Fetch-Site check for the widget's state-changing POSTs (/events, /leads).
//
// Allowed:
// - `Sec-Fetch-Site: same-origin` or `none` (the browser says the page is ours, or the user typed it);
// - an `Origin` equal to this request's own origin (req.protocol + req.host) or listed in
//   ALLOWED_ORIGINS (a widget on www.example.com posting to api.example.com);
// - a request with neither header: curl, server-to-server calls and old browsers send none.
// Refused, only on evidence of another origin:
// - an `Origin` that is neither ours nor allowed (including the opaque `null` origin of
//   sandboxed frames and some redirects);
// - `Sec-Fetch-Site: cross-site` or `same-site` without an `Origin` we could accept.
//
// Why allow the header-less request: a forged POST here can only add noise to the goals and
// experiment counts, never read data or act for the visitor; browsers always send `Origin` on a
// cross-origin POST, so a header-less request is not a browser CSRF, and the rate limits bound
// what a script can add.
//
// The own origin is Express's req.protocol and req.host: behind a proxy that `trust proxy` (the
// router's `trustProxy`) trusts, they come from its X-Forwarded-Proto and X-Forwarded-Host; from
// any other peer those headers are ignored, so a client cannot make its Origin look like ours.
// A proxy that rewrites Host without saying so needs the public origin in ALLOWED_ORIGINS.
import type { Request } from 'express';

export type OriginCheck = { ok: true } | { ok: false; reason: string };

/** Normalises an origin for comparison: scheme and host lowercased, default port dropped. */
function normalise(origin: string): string | null {
  try {
    const u = new URL(origin);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return u.origin;
  } catch {
    return null;
  }
}

export function ownOrigin(req: Request): string | null {
  const host = req.host;
  if (!host) return null;
  return normalise(`${req.protocol}://${host}`);
}

export function checkOrigin(req: Request, allowedOrigins: readonly string[]): OriginCheck {
  const site = req.get('sec-fetch-site')?.trim().toLowerCase();
  if (site === 'same-origin' || site === 'none') return { ok: true };

  const origin = req.get('origin');
  if (origin !== undefined) {
    const normalised = normalise(origin.trim());
    if (normalised === null) return { ok: false, reason: 'opaque-origin' };
    if (normalised === ownOrigin(req)) return { ok: true };
    for (const allowed of allowedOrigins) {
      if (normalise(allowed) === normalised) return { ok: true };
    }
    return { ok: false, reason: 'origin-not-allowed' };
  }

  if (site === 'cross-site' || site === 'same-site') return { ok: false, reason: `sec-fetch-site-${site}` };
  return { ok: true };
}
