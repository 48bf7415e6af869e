// The router's handle on its store, which opens asynchronously while routes are already mounted:
// `current` once open (null before, or if it could not be opened), `ready` to wait for it.
import { openStore, type OpenStoreOptions } from './open-store.js';
import type { Store } from './store.js';

export interface StoreRef {
  readonly ready: Promise<Store>;
  readonly current: Store | null;
}

export function openStoreRef(options: OpenStoreOptions): StoreRef {
  const ref: { ready: Promise<Store>; current: Store | null } = { ready: openStore(options), current: null };
  ref.ready.then(
    (s) => (ref.current = s),
    () => undefined, // reported by whoever awaits `ready` (start-up, or the route that needed it)
  );
  return ref;
}
