// What PostMetric refusing our key (401/403) asks the operator to check (the shared core,
// analytics/upstream-http.ts, logs each kind once).
import type { AuthFailureWords } from '../analytics/upstream-http.js';

export const POSTMETRIC_AUTH_FAILURES: AuthFailureWords = {
  read: (status) => `PostMetric refused the API key (${status}): check POSTMETRIC_API_KEY and POSTMETRIC_API_URL; offers fall back to "no offer" until it is fixed`,
  write: (status) => `PostMetric refused the API key (${status}) when sending a goal: check POSTMETRIC_API_KEY; goals wait in the outbox until it is fixed`,
};
