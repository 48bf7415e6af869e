// prom-client's default metrics (CPU, memory, heap, GC, handles, event-loop lag) describe the
// process, not a router, so one registry of them is shared by every router in the process. Each
// set of default metrics starts its own event-loop delay monitor (a 10 ms timer) and GC
// observer, which are never stopped: one per process, made on first use, not one per router.
import { collectDefaultMetrics, Registry } from 'prom-client';

let shared: Registry | null = null;

export function processRegistry(): Registry {
  if (shared === null) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return shared;
}
