// The router's handle on its store, which opens asynchronously while routes are already mounted:
// `current` once open (null before), `ready` to wait for it. A store that cannot be opened (a
// read-only or full disk, a database that is down) is tried again, with a growing pause, until it
// opens or the ref is closed, so an instance recovers by itself once the disk is fixed. Between
// attempts `ready` is the last failed one (rejected): routes that need the store answer 503 at once.
import { openStore, type OpenStoreOptions } from './open-store.js';
import type { Store } from './store.js';

export interface StoreRef {
  readonly ready: Promise<Store>;
  readonly current: Store | null;
  /** Stops trying to open it, and closes it if it is open (or opens meanwhile). */
  close(): Promise<void>;
}

export interface StoreRefHooks {
  onOpen?: (store: Store, attempt: number) => void;
  /** Each failed attempt (the first is 1), with the pause before the next one. */
  onError?: (err: unknown, attempt: number, retryInMs: number) => void;
  /** The pause after failed attempt `attempt`; default 1 s, doubling, at most 30 s. */
  retryMs?: (attempt: number) => number;
}

export const defaultRetryMs = (attempt: number): number => Math.min(1000 * 2 ** (attempt - 1), 30_000);

/** A hook's bug must not stop the retries, nor become an unhandled rejection. */
function report(hook: () => void): void {
  try {
    hook();
  } catch {
    // nothing to do: the hook only reports
  }
}

export function openStoreRef(options: OpenStoreOptions, hooks: StoreRefHooks = {}): StoreRef {
  const retryMs = hooks.retryMs ?? defaultRetryMs;
  let current: Store | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let attempt = 0;

  const open = (): Promise<Store> => {
    attempt++;
    // The caller's lock is for the first attempt; a failed open released it, so later ones take their own.
    const ready = openStore(attempt === 1 ? options : { ...options, lock: null });
    const n = attempt;
    ready.then(
      (s) => {
        if (closed) return; // close() has it from `ready`, and closes it
        current = s;
        report(() => hooks.onOpen?.(s, n));
      },
      (err: unknown) => {
        if (closed) return;
        const pause = retryMs(n);
        report(() => hooks.onError?.(err, n, pause));
        timer = setTimeout(() => {
          timer = null;
          ref.ready = open();
        }, pause);
        // Waiting to retry must not keep a process alive that has nothing else to do.
        timer.unref();
      },
    );
    return ready;
  };

  const ref = {
    ready: open(),
    get current(): Store | null {
      return current;
    },
    async close(): Promise<void> {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      // The open store, or the attempt under way; a failed one (waiting to retry) is null.
      const s = await ref.ready.catch(() => null);
      current = null;
      await s?.close();
    },
  };
  return ref;
}
