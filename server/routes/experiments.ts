// GET /experiments — results per experiment and variant, and the global holdout's, for the owner
// only (bearer ADMIN_TOKEN).
import type { RequestHandler } from 'express';
import type { ExperimentsResponse } from '../contract.js';
import type { Policy } from '../decision/decide.js';
import { readResults } from '../experiments/read-results.js';
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
    const body: ExperimentsResponse = await readResults(current.experiments.values(), current.holdout, (id, windowMs) => s.experimentMetrics(id, windowMs));
    reply(res, 200, body);
  };
}
