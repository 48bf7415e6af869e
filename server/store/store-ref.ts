// The router's handle on its store, which opens asynchronously while routes are already mounted:
// `current` for synchronous use on the hot path once open, `ready` to wait for it otherwise.
import { Store } from './store.js';

export interface StoreRef {
  readonly ready: Promise<Store>;
  readonly current: Store | null;
}

export function openStoreRef(dataDir: string): StoreRef {
  const ref: { ready: Promise<Store>; current: Store | null } = { ready: Store.open(dataDir), current: null };
  ref.ready.then(
    (s) => (ref.current = s),
    () => undefined, // reported by whoever awaits `ready` (start-up, or the route that needed it)
  );
  return ref;
}
