// What DataFast refusing our credential (401/403) asks the operator to check (the shared core,
// analytics/upstream-http.ts, logs each kind once). Reads and writes need different permissions
// (analytics:read, goals:write).
import type { AuthFailureWords } from '../analytics/upstream-http.js';

export const DATAFAST_AUTH_FAILURES: AuthFailureWords = {
  read: (status) =>
    status === 401
      ? 'DataFast rejected the API key (401): check DATAFAST_API_KEY; offers fall back to "no offer" until it is fixed'
      : 'DataFast refused access (403): check the token permissions (analytics:read), DATAFAST_WEBSITE_ID and that tracking is not suspended',
  write: (status) =>
    status === 401
      ? 'DataFast rejected the API key (401) when sending a goal: check DATAFAST_API_KEY; goals wait in the outbox until it is fixed'
      : 'DataFast refused to record a goal (403): a dft_ token needs the goals:write permission; also check DATAFAST_WEBSITE_ID and that tracking is not suspended',
};
