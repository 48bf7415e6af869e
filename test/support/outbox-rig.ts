// The delivery outbox's real parts wired as the router wires them, for tests below the router: a
// store (SQLite in a temp data directory, or one the test opened), the DataFast client against
// the simulated DataFast, the GoalOutbox the routes queue goals through, and the worker with its
// DataFast lane (and a webhook lane when given a URL). Knobs a test turns: the backoff policy,
// the batch, the poll interval, the lease, the cap.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { DataFastClient } from '../../server/datafast/client';
import type { BackoffPolicy } from '../../server/delivery/backoff';
import { OutboxWorker, type LaneSpec } from '../../server/delivery/worker';
import { GoalOutbox } from '../../server/events/outbox';
import { LeadWebhook } from '../../server/leads/forwarder';
import type { Logger } from '../../server/logger';
import { openStoreRef, type StoreRef } from '../../server/store/store-ref';
import type { DeliveryTarget, OutboxEntry, Store } from '../../server/store/store';
import type { SendResult } from '../../server/delivery/outcome';

/** Fast enough for tests: 10 ms doubling to 40 ms. */
export const FAST_BACKOFF: BackoffPolicy = { baseMs: 10, capMs: 40, maxAttempts: 50 };

export interface RigOptions {
  /** The simulated DataFast's URL. */
  apiUrl: string;
  apiKey: string;
  logger: Logger;
  /** A data directory's parent (a fresh directory is made in it), unless `store` is given. */
  baseDir?: string;
  store?: StoreRef;
  client?: DataFastClient;
  webhookUrl?: string;
  policy?: BackoffPolicy;
  batch?: number;
  pollMs?: number;
  leaseMs?: number;
  capacity?: number;
  now?: () => number;
  /** Wraps the DataFast lane's sender (to watch or break it). */
  wrapSend?: (send: (e: OutboxEntry) => Promise<SendResult>) => (e: OutboxEntry) => Promise<SendResult>;
  /** Start the worker at once (default true). */
  start?: boolean;
  leadTargets?: readonly DeliveryTarget[];
}

export interface Rig {
  store: Store;
  ref: StoreRef;
  dataDir: string | null;
  client: DataFastClient;
  goals: GoalOutbox;
  worker: OutboxWorker;
  /** Queues a widget event's goal as the events route does. */
  enqueue(key: string, visitorId: string, offer: string, name?: string): Promise<boolean>;
  close(): Promise<void>;
}

export async function outboxRig(o: RigOptions): Promise<Rig> {
  const dataDir = o.store === undefined ? mkdtempSync(join(o.baseDir ?? '/tmp', 'outbox-')) : null;
  const ref = o.store ?? openStoreRef({ dataDir: dataDir ?? '', retentionDays: null, busyTimeoutMs: 100, now: o.now });
  const store = await ref.ready;
  // The breaker out of reach unless a test brings its own client: these tests are about the outbox's backoff.
  const client = o.client ?? new DataFastClient({ apiKey: o.apiKey, apiUrl: o.apiUrl, logger: o.logger, timeoutMs: 500, breaker: { failureThreshold: 1_000 } });
  const lead = (id: string) => ref.ready.then((s) => s.lead(id));
  const goals: GoalOutbox = new GoalOutbox({
    createGoal: (visitorId, name, metadata) => client.createGoal(visitorId, name, metadata),
    retryAt: () => client.retryAt('goals'),
    lead,
    pending: () => {
      const { queued, inFlight } = worker.stats().byKind.datafast;
      return queued + inFlight;
    },
    queuedOne: () => worker.kick('datafast'),
    logger: o.logger,
    capacity: o.capacity,
    now: o.now,
  });
  const sendGoal = (e: OutboxEntry) => goals.send(e);
  const lanes: LaneSpec[] = [{ kind: 'datafast', send: o.wrapSend ? o.wrapSend(sendGoal) : sendGoal, pausedUntil: () => client.retryAt('goals') }];
  if (o.webhookUrl !== undefined) {
    const hook = new LeadWebhook({ url: o.webhookUrl, lead, timeoutMs: 1000 });
    lanes.push({ kind: 'webhook', send: (e) => hook.send(e) });
  }
  const worker: OutboxWorker = new OutboxWorker({
    store: ref,
    lanes,
    logger: o.logger,
    leaseMs: o.leaseMs ?? 10_000,
    policy: o.policy ?? FAST_BACKOFF,
    batch: o.batch,
    pollMs: o.pollMs ?? 50,
    now: o.now,
  });
  if (o.start !== false) await worker.start(o.leadTargets ?? []);
  return {
    store,
    ref,
    dataDir,
    client,
    goals,
    worker,
    enqueue: (key, visitorId, offer, name = 'offer_click') => goals.enqueue(store, { key, goal: { visitorId, name, metadata: { offer } } }),
    async close() {
      await worker.close(1000);
      if (o.store === undefined) await store.close();
      if (o.client === undefined) client.close();
    },
  };
}
