// The router's decision keys: from the `secret` option (VISITOR_OFFERS_SECRET) when set, else from
// a secret generated on first start and kept in the store's settings, where every instance on one
// database finds the same one (SQLite: in its data directory's database). Until the store is open
// such a key is not known: `current` is null then, and `load()` waits for it.
import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { StoreRef } from '../store/store-ref.js';
import { DecisionKey } from './token.js';

/** The store setting that holds a generated secret. */
export const SECRET_SETTING = 'decision-token-secret';

export interface DecisionKeysOptions {
  /** The configured secret, or null to use (or make) the stored one. */
  secret: string | null;
  /** A secret rotated out, still accepted (never used to sign), or null. */
  previousSecret: string | null;
  store: StoreRef;
  logger: Logger;
}

/** The signing key first, then any key still accepted. */
export type KeyList = readonly [DecisionKey, ...DecisionKey[]];

export class DecisionKeys {
  #current: KeyList | null = null;
  #loading: Promise<KeyList> | null = null;
  #warned = false;
  readonly #o: DecisionKeysOptions;

  constructor(o: DecisionKeysOptions) {
    this.#o = o;
    if (o.secret !== null) this.#current = this.#list(o.secret);
  }

  /** The keys, once known (at once with a configured secret); null until then. */
  get current(): KeyList | null {
    return this.#current;
  }

  /** The keys; a failed load (the store failing) is tried again by the next call. */
  load(): Promise<KeyList> {
    if (this.#current !== null) return Promise.resolve(this.#current);
    this.#loading ??= this.#o.store.ready
      .then((s) =>
        s.settingOrInit(SECRET_SETTING, () => randomBytes(32).toString('base64url')).catch((err: unknown) => {
          // Once per outage, by its message only (the secret is not in it, nor the database URL);
          // a store that never opened is reported where it fails to open.
          if (!this.#warned) this.#o.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'decision tokens: the stored secret could not be read; no tokens until it can');
          this.#warned = true;
          throw err;
        }),
      )
      .then(
        (secret) => (this.#current = this.#list(secret)),
        (err: unknown) => {
          this.#loading = null;
          throw err;
        },
      );
    return this.#loading;
  }

  #list(secret: string): KeyList {
    const previous = this.#o.previousSecret;
    return previous === null ? [DecisionKey.fromSecret(secret)] : [DecisionKey.fromSecret(secret), DecisionKey.fromSecret(previous)];
  }
}
