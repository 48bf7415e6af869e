// GET /experiments — results per experiment and variant, for the owner only (bearer ADMIN_TOKEN).
import type { RequestHandler } from 'express';
import type { Policy } from '../decision/decide.js';
import { experimentResult } from '../experiments/results.js';
import type { StoreRef } from '../store/store-ref.js';
import type { BearerGuard } from '../http/auth.js';
import { reply } from './reply.js';

export interface ExperimentsRouteDeps {
  /** The current policy, read once per request (offers can be reloaded). */
  policy: () => Policy;
  store: StoreRef;
  /** Null disables the route (404), so nothing answers without a configured token. */
  adminToken: string | null;
  guard: BearerGuard;
}

export function experimentsHandler({ policy, store, adminToken, guard }: ExperimentsRouteDeps): RequestHandler {
  return async (req, res) => {
    if (adminToken === null) return reply(res, 404, { error: 'not enabled: set ADMIN_TOKEN' });
    if (!(await guard.admit(req, res, [adminToken], 'admin token required'))) return;
    const current = policy();
    const s = await store.ready;
    // One SQL aggregate per experiment, run together.
    const experiments = await Promise.all([...current.experiments.values()].map(async (e) => experimentResult(e, await s.experimentCounts(e.id))));
    reply(res, 200, { experiments });
  };
}
