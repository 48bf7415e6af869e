// Preview links, for the operator (the dashboard's Preview section):
//   GET  /preview-links  what can be previewed: the configured offers and the segments.
//   POST /preview-links  `{ target, path?, minutes? }` → 201 `{ url, target, expiresAt }`, a link to
//                        the page with a token signed by this router's preview key.
// Access: with an ADMIN_TOKEN, always Bearer ADMIN_TOKEN (401 without) — even when the dashboard is
// open, a link signed with the admin token's key is the owner's to make; without one, only the open
// demo dashboard (links signed with a per-process key) needs no token; otherwise 404.
import express, { Router, type Request, type Response } from 'express';
import { previewLinkBody, type PreviewLinkResponse, type PreviewTargets } from '../contract.js';
import type { Policy } from '../decision/decide.js';
import { makePreviewLink } from '../preview/link.js';
import { SEGMENTS } from '../preview/target.js';
import { DEFAULT_PREVIEW_MINUTES, MAX_PREVIEW_MINUTES, type PreviewKey } from '../preview/token.js';
import type { DashboardAccess } from './dashboard.js';
import type { BearerGuard } from '../http/auth.js';
import { readPagePath } from '../http/page-path.js';
import { firstIssue, reply } from './reply.js';

export interface PreviewLinksDeps {
  /** The current policy, read once per request (offers can be reloaded). */
  policy: () => Policy;
  /** Null: previews are off (no admin token, dashboard not open); the routes answer 404. */
  key: PreviewKey | null;
  adminToken: string | null;
  access: DashboardAccess;
  /** Checks the admin token (throttled and logged per client address). */
  guard: BearerGuard;
  now?: () => number;
}

export function previewLinksRoutes({ policy, key, adminToken, access, guard, now = Date.now }: PreviewLinksDeps): Router {
  const router = Router();
  // JSON only (not the text/plain that /events accepts from beacons): a cross-site form cannot post it.
  const json = express.json({ limit: '4kb' });

  /** The key when this request may use it; otherwise the answer is sent and null returned. */
  const authorized = async (req: Request, res: Response): Promise<PreviewKey | null> => {
    if (key === null) {
      reply(res, 404, { error: 'not enabled: set ADMIN_TOKEN' });
      return null;
    }
    if (adminToken === null && access === 'open') return key;
    if (adminToken === null) {
      reply(res, 401, { error: 'admin token required' }, { 'www-authenticate': 'Bearer realm="visitor-offers"' });
      return null;
    }
    return (await guard.admit(req, res, [adminToken], 'admin token required')) ? key : null;
    return key;
  };

  router.get('/preview-links', async (req, res) => {
    if ((await authorized(req, res)) === null) return;
    const offers = [...policy().offers.values()].map((o) => ({ id: o.id, kind: o.kind, headline: o.headline }));
    const body: PreviewTargets = { offers, segments: [...SEGMENTS], defaultMinutes: DEFAULT_PREVIEW_MINUTES, maxMinutes: MAX_PREVIEW_MINUTES };
    reply(res, 200, body);
  });

  router.post('/preview-links', json, async (req, res) => {
    const k = await authorized(req, res);
    if (k === null) return;
    const parsed = previewLinkBody.safeParse(req.body);
    if (!parsed.success) return reply(res, 400, { error: firstIssue(parsed.error) });
    const { target, minutes } = parsed.data;
    const page = readPagePath(parsed.data.path);
    if (page === null) return reply(res, 400, { error: 'path: expected a page path starting with "/", like /pricing' });
    const link = makePreviewLink({ key: k, policy: policy(), target, page, minutes, now: now() });
    if (!link.ok) return reply(res, 400, { error: link.problem });
    const body: PreviewLinkResponse = { url: link.url, target: link.target, expiresAt: new Date(link.expiresAt).toISOString() };
    reply(res, 201, body);
  });

  return router;
}
