// Messages between bench/run.ts (main thread) and the servers it starts: worker threads running
// bench/servers.ts, and the child process running bench/heap.ts.
import type { VisitorCacheStats } from '../server/cache/visitor-cache';

/** The two simulated DataFast servers of the simulators worker. */
export type SimName = 'fast' | 'slow';

export type ServerRole =
  /** Two simulated DataFast APIs (generateUnknown): `fast` with 0 ms latency, `slow` with `slowLatencyMs`. */
  | { role: 'simulators'; slowLatencyMs: number }
  /** Our standalone app (createApp, silent logger) against a simulator. */
  | { role: 'app'; datafastUrl: string; cacheTtlMs: number }
  /** Express 5 + cookie-parser, one route answering a small JSON with res.json. */
  | { role: 'bare'; path: string; body: Record<string, unknown> };

export type Command =
  /** Upstream visitor calls a simulator received since its last reset, optionally for one visitor only. */
  | { cmd: 'visitorCalls'; sim: SimName; visitorId?: string }
  | { cmd: 'resetCalls'; sim: SimName }
  /** The app's VisitorCache stats. */
  | { cmd: 'cacheStats' }
  /** This worker's event-loop time so far (performance.eventLoopUtilization), to tell a saturated server from an idle one. */
  | { cmd: 'loopTime' }
  /** Close every server; the worker then exits by itself. */
  | { cmd: 'stop' };

/** Milliseconds the worker's event loop spent busy (`active`) and waiting (`idle`) since it started. */
export interface LoopTime {
  active: number;
  idle: number;
  /**
   * CPU time this thread actually ran (user + system, 10 ms ticks; Linux /proc/thread-self), or
   * null where unavailable. Unlike `active`, it does not count time the thread was runnable but
   * waiting for a core, so it is the fairer per-request cost on a crowded machine.
   */
  cpu: number | null;
}

export type CommandResult<C extends Command> = C extends { cmd: 'visitorCalls' }
  ? number
  : C extends { cmd: 'cacheStats' }
    ? VisitorCacheStats
    : C extends { cmd: 'loopTime' }
      ? LoopTime
      : null;

export interface CommandMessage {
  id: number;
  command: Command;
}

export type WorkerMessage =
  /** Listening; `urls` are base URLs without a trailing slash (`main` for app and bare). */
  | { type: 'ready'; urls: Record<string, string> }
  | { type: 'reply'; id: number; ok: true; value: number | VisitorCacheStats | LoopTime | null }
  | { type: 'reply'; id: number; ok: false; error: string };

/** What bench/heap.ts reports (bytes). */
export interface HeapResult {
  bound: number;
  heapBefore: number;
  heapFull: number;
  sizeFull: number;
  extraInserted: number;
  heapAfterExtra: number;
  sizeAfterExtra: number;
  /** After cache.clear(), for a second estimate of the cost per entry. */
  heapCleared: number;
  loads: number;
  fillMs: number;
}

/** What bench/startup-child.ts reports: ms from the router's mount. */
export interface StartupTimes {
  /** The first decision that needs the store, answered. */
  decisionMs: number;
  /** The first /readyz 200. */
  readyMs: number;
  /** That decision's offer id, or its reason when it has no offer. */
  decision: string;
}
