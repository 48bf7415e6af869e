// Security headers for the answers we own: nosniff on every one (JSON, 404s, errors, scripts),
// helmet's set on our HTML pages (the dashboard, the demo site) with each page's own policy, and
// HSTS on the standalone server when the request came over HTTPS.
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** Set before any route runs, so a 404 or an error answer carries it as well. */
export const noSniff: RequestHandler = (_req, res, next) => {
  res.setHeader('x-content-type-options', 'nosniff');
  next();
};

/** A Content-Security-Policy as helmet takes it: directive name → sources. */
export type CspDirectives = Record<string, string[]>;

/**
 * helmet for an HTML page: exactly `csp` (helmet's default policy allows inline styles, ours do
 * not), no framing, no referrer, and no HSTS — over plain HTTP it means nothing, and behind HTTPS
 * the standalone server adds it (a host app decides for its own domain).
 */
export function pageHeaders(csp: CspDirectives): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: csp },
    strictTransportSecurity: false,
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}

/** One year. Not includeSubDomains: the server usually answers on the site's own host name, whose subdomains are not ours to pin. */
export const HSTS_MAX_AGE_SECONDS = 31_536_000;

/** HSTS on answers to requests that came over HTTPS (`req.secure`, which `trust proxy` resolves behind a proxy). */
export function hstsWhenSecure(): RequestHandler {
  const hsts = helmet.strictTransportSecurity({ maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: false });
  return (req, res, next) => (req.secure ? hsts(req, res, next) : next());
}
