// PostMetric refusing our key (401/403) is a configuration problem, not an outage: logged once
// per kind of call, loudly, with what to check, never with the key.
import type { Logger } from 'pino';
import type { AuthFailures } from '../analytics/upstream-http.js';

export class PostMetricAuthFailureLog implements AuthFailures {
  readonly #log: Logger;
  #readLogged = false;
  #writeLogged = false;

  constructor(logger: Logger) {
    this.#log = logger;
  }

  read(status: number): void {
    if (this.#readLogged) return;
    this.#readLogged = true;
    this.#log.error({ status }, `PostMetric refused the API key (${status}): check POSTMETRIC_API_KEY and POSTMETRIC_API_URL; offers fall back to "no offer" until it is fixed`);
  }

  write(status: number): void {
    if (this.#writeLogged) return;
    this.#writeLogged = true;
    this.#log.error({ status, endpoint: 'goals' }, `PostMetric refused the API key (${status}) when sending a goal: check POSTMETRIC_API_KEY; goals wait in the outbox until it is fixed`);
  }
}
