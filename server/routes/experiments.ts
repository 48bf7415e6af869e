// GET /experiments — results per experiment and variant, and the global holdout's, for the owner
// only (bearer ADMIN_TOKEN).
import type { RequestHandler } from 'express';
import type { ExperimentsResponse } from '../contract.js';
import type { Policy } from '../decision/decide.js';
import { readResults, type ReadResultsOptions } from '../experiments/read-results.js';
import type { StoreRef } from '../store/store-ref.js';
import type { BearerGuard } from '../http/auth.js';
import type { Logger } from '../logger.js';
import { errorCode } from '../store/backend.js';
import { reply } from './reply.js';

export interface ExperimentsRouteDeps {
  /** The current policy, read once per request (offers can be reloaded). */
  policy: () => Policy;
  store: StoreRef;
  /** Null disables the route (404), so nothing answers without a configured token. */
  adminToken: string | null;
  guard: BearerGuard;
  /** A bandit's weights in force in this process, to show as its shares (read-results.ts). */
  weightsInForce?: ReadResultsOptions['weightsInForce'];
  logger?: Logger;
}

export function experimentsHandler({ policy, store, adminToken, guard, weightsInForce, logger }: ExperimentsRouteDeps): RequestHandler {
  return async (req, res) => {
    if (adminToken === null) return reply(res, 404, { error: 'not enabled: set ADMIN_TOKEN' });
    if (!(await guard.admit(req, res, [adminToken], 'admin token required'))) return;
    const current = policy();
    // The store opens in the background and may be unavailable (a full disk, Postgres down): the
    // results are then 503 with the reason, never a 500.
    const s = await store.ready.catch(() => null);
    if (s === null) return reply(res, 503, { error: 'experiment results are unavailable: the store is not open (yet); try again shortly' });
    try {
      // Each experiment's SQL aggregates within its attribution window, run together.
      const body: ExperimentsResponse = await readResults(current.experiments.values(), current.holdout, (id, windowMs) => s.experimentMetrics(id, windowMs), weightsInForce === undefined ? {} : { weightsInForce });
      reply(res, 200, body);
    } catch (err) {
      logger?.error({ code: errorCode(err) }, 'experiments: could not read the counts from the store');
      reply(res, 503, { error: 'experiment results could not be read from the store; try again shortly' });
    }
  };
}
