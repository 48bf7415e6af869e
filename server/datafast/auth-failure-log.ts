// DataFast refusing our credential (401/403) is a configuration problem, not an outage: it is
// logged once, loudly, with what to check, and never with the key. Reads and writes need
// different permissions (analytics:read, goals:write), so each is reported once on its own.
import type { Logger } from 'pino';

export class AuthFailureLog {
  readonly #log: Logger;
  #readLogged = false;
  #writeLogged = false;

  constructor(logger: Logger) {
    this.#log = logger;
  }

  /** A 401 or 403 on a read (visitor lookup, realtime map). */
  read(status: number): void {
    if (this.#readLogged) return;
    this.#readLogged = true;
    this.#log.error(
      { status },
      status === 401
        ? 'DataFast rejected the API key (401): check DATAFAST_API_KEY; offers fall back to "no offer" until it is fixed'
        : 'DataFast refused access (403): check the token permissions (analytics:read), DATAFAST_WEBSITE_ID and that tracking is not suspended',
    );
  }

  /** A 401 or 403 when sending a goal. */
  write(status: number): void {
    if (this.#writeLogged) return;
    this.#writeLogged = true;
    this.#log.error(
      { status, endpoint: 'goals' },
      status === 401
        ? 'DataFast rejected the API key (401) when sending a goal: check DATAFAST_API_KEY; goals wait in the outbox until it is fixed'
        : 'DataFast refused to record a goal (403): a dft_ token needs the goals:write permission; also check DATAFAST_WEBSITE_ID and that tracking is not suspended',
    );
  }
}
