// The Store contract, delivery outbox part (run by store-contract.ts on every backend): goals and
// leads' deliveries queued once per key and in the transaction of what they report, claimed with
// a lease (soonest due first, never one row by two claimers, a dead holder's row due again when its
// lease expires), settled (a lead's delivery marks the lead), freed, counted, queued for old leads,
// pruned once finished, erased with their lead.
import { describe, expect, it } from 'vitest';
import type { KeyedGoal, OutboxEntry, Store } from '../../../server/store/store';
import { testClock, type StoreTarget } from './store-contract';

const LEASE = 30_000;
const goal = (key: string, offer = 'o'): KeyedGoal => ({ key, goal: { visitorId: 'v1', name: 'offer_click', metadata: { offer, experiment: undefined } } });
const keys = (entries: readonly OutboxEntry[]): string[] => entries.map((e) => e.key);
const claim = (store: Store, owner: string, limit = 10, kind: 'datafast' | 'webhook' = 'datafast') => store.claimOutbox(kind, { owner, limit, leaseMs: LEASE });

export function describeOutbox(target: StoreTarget): void {
  describe(`Store contract (${target.name}): the delivery outbox`, () => {
    it('queues a goal once per key, and a lead with its deliveries in one transaction; both survive reopen', async () => {
      const o = await target.open(testClock().now);
      expect(await o.store.enqueueGoal(goal('g1'))).toBe(true);
      expect(await o.store.enqueueGoal(goal('g1', 'other'))).toBe(false);
      const lead = await o.store.addLead({ email: 'a@example.com', offerId: 'guide', visitorId: 'v1' }, { deliverTo: ['datafast', 'webhook'] });
      // No visitor: no DataFast goal to send.
      const anonymous = await o.store.addLead({ email: 'b@example.com', offerId: 'guide', visitorId: null }, { deliverTo: ['datafast', 'webhook'] });
      await o.store.addLead({ email: 'c@example.com', offerId: 'guide', visitorId: 'v3' });
      expect(await o.store.outboxCounts()).toEqual({ datafast: { queued: 2, inFlight: 0, failed: 0, rejected: 0 }, webhook: { queued: 2, inFlight: 0, failed: 0, rejected: 0 } });
      const store = await o.reopen();
      const goals = await claim(store, 'w');
      expect(goals.map((e) => [e.kind, e.key, e.leadId, e.goal, e.attempts])).toEqual([
        ['datafast', 'g1', null, { visitorId: 'v1', name: 'offer_click', metadata: { offer: 'o' } }, 0],
        // A lead's rows carry the lead, keyed by its id (the webhook's Idempotency-Key); its goal is made when sent.
        ['datafast', lead.id, lead.id, null, 0],
      ]);
      expect((await claim(store, 'w', 10, 'webhook')).map((e) => e.leadId)).toEqual([lead.id, anonymous.id]);
      await store.close();
    });

    it('queues an order’s goal in the order’s transaction, only when the order is new', async () => {
      const { store } = await target.open(testClock().now);
      const report = { orderId: 'o-1', visitorId: 'v1', value: 10, currency: 'EUR', source: 'backend' } as const;
      expect((await store.recordOrder(report, goal('order:o-1'))).status).toBe('new');
      expect((await store.recordOrder(report, goal('order:o-1-again'))).status).toBe('duplicate');
      expect((await store.recordOrder({ ...report, visitorId: 'v2' }, goal('order:o-1-conflict'))).status).toBe('conflict');
      expect(keys(await claim(store, 'w'))).toEqual(['order:o-1']);
      await store.close();
    });

    it('leases due rows, soonest first, at most `limit`; a leased row is not claimed again until its lease expires (its holder died), then it is', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      for (let i = 0; i < 5; i += 1) {
        await store.enqueueGoal(goal(`g${i}`));
        clock.advance(1);
      }
      const a = await claim(store, 'a', 2);
      expect(keys(a)).toEqual(['g0', 'g1']);
      expect(keys(await claim(store, 'b', 10))).toEqual(['g2', 'g3', 'g4']);
      expect(await claim(store, 'c')).toEqual([]);
      expect((await store.outboxCounts()).datafast).toMatchObject({ queued: 0, inFlight: 5 });
      clock.advance(LEASE - 10);
      expect(await claim(store, 'c')).toEqual([]);
      clock.advance(10);
      // Everyone's lease is over: c gets all five; a and b can no longer settle theirs.
      expect(keys(await claim(store, 'c'))).toEqual(['g0', 'g1', 'g2', 'g3', 'g4']);
      expect(await store.settleOutbox(a[0]!, 'a', { state: 'delivered', attempts: 0, error: null })).toBe(false);
      expect((await store.outboxCounts()).datafast).toMatchObject({ inFlight: 5, queued: 0 });
      await store.close();
    });

    it('a settle that comes after its lease ran out counts only while no other claim holds the row: never twice, never a row put back', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      await store.enqueueGoal(goal('slow'));
      await store.enqueueGoal(goal('late'));
      const [slow, late] = await claim(store, 'a');
      clock.advance(LEASE + 1);
      // Nobody claimed 'late' again: its late settle still counts (no second send needed).
      expect(await store.settleOutbox(late!, 'a', { state: 'delivered', attempts: 0, error: null })).toBe(true);
      // 'slow' was claimed again — by the same owner (a later pass) — and then by nobody else.
      const [again] = await claim(store, 'a');
      expect(again?.key).toBe('slow');
      // The first claim's outcome arrives now: it may neither settle the row nor put it back in the queue.
      expect(await store.settleOutbox(slow!, 'a', { state: 'pending', attempts: 1, retryAt: clock.t, error: 'timeout' })).toBe(false);
      expect(await claim(store, 'b')).toEqual([]);
      expect((await store.outboxCounts()).datafast).toMatchObject({ inFlight: 1, queued: 0 });
      clock.advance(LEASE + 1);
      const [third] = await claim(store, 'b');
      expect(third?.key).toBe('slow');
      expect(await store.settleOutbox(again!, 'a', { state: 'delivered', attempts: 0, error: null })).toBe(false);
      expect(await store.settleOutbox(third!, 'b', { state: 'delivered', attempts: 0, error: null })).toBe(true);
      // Settled once: every older claim's settle is refused, and the row is never due again.
      expect(await store.settleOutbox(slow!, 'a', { state: 'pending', attempts: 1, retryAt: clock.t, error: 'timeout' })).toBe(false);
      clock.advance(10 * LEASE);
      expect(await claim(store, 'c')).toEqual([]);
      expect((await store.outboxCounts()).datafast).toEqual({ queued: 0, inFlight: 0, failed: 0, rejected: 0 });
      await store.close();
    });

    it('two claimers at once never get the same row', async () => {
      const o = await target.open(testClock().now);
      for (let i = 0; i < 60; i += 1) await o.store.enqueueGoal(goal(`g${i}`));
      const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => claim(o.store, `w${i}`, 7)));
      const all = claims.flatMap(keys);
      expect(all).toHaveLength(60);
      expect(new Set(all).size).toBe(60);
      await o.store.close();
    });

    it('settles: delivered marks a lead delivered in the same transaction; pending waits for its retry, attempts kept; rejected and failed are never claimed again', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      const lead = await store.addLead({ email: 'a@example.com', offerId: 'guide', visitorId: 'v1' }, { deliverTo: ['datafast', 'webhook'] });
      for (const k of ['retry', 'refused', 'failed']) await store.enqueueGoal(goal(k));
      const [hook] = await claim(store, 'w', 1, 'webhook');
      expect(await store.settleOutbox(hook!, 'w', { state: 'delivered', attempts: 0, error: null })).toBe(true);
      expect((await store.lead(lead.id))?.delivered).toEqual({ datafast: false, webhook: true });
      // Settled already: a second settle finds nothing held.
      expect(await store.settleOutbox(hook!, 'w', { state: 'rejected', attempts: 0, error: 'x' })).toBe(false);

      const rows = new Map((await claim(store, 'w')).map((e) => [e.key, e]));
      expect([...rows.keys()].sort()).toEqual([lead.id, 'failed', 'refused', 'retry'].sort());
      const settle = (key: string, s: Parameters<Store['settleOutbox']>[2]) => store.settleOutbox(rows.get(key)!, 'w', s);
      expect(await settle('retry', { state: 'pending', attempts: 1, retryAt: clock.t + 5000, error: 'http-503' })).toBe(true);
      expect(await settle('refused', { state: 'rejected', attempts: 0, error: 'http-404' })).toBe(true);
      expect(await settle('failed', { state: 'failed', attempts: 8, error: 'timeout' })).toBe(true);
      expect(await settle(lead.id, { state: 'rejected', attempts: 0, error: 'http-400' })).toBe(true);
      // Refused for good is not delivered: the lead still says so.
      expect((await store.lead(lead.id))?.delivered.datafast).toBe(false);
      expect(await store.outboxCounts()).toEqual({ datafast: { queued: 1, inFlight: 0, failed: 1, rejected: 2 }, webhook: { queued: 0, inFlight: 0, failed: 0, rejected: 0 } });

      expect(await claim(store, 'w')).toEqual([]);
      clock.advance(5000);
      const again = await claim(store, 'w');
      expect(again.map((e) => [e.key, e.attempts])).toEqual([['retry', 1]]);
      await store.close();
    });

    it('frees leases: an owner’s at once; with no owner, every lease on SQLite (one process) and none on Postgres (others may be alive)', async () => {
      const { store } = await target.open(testClock().now);
      for (let i = 0; i < 4; i += 1) await store.enqueueGoal(goal(`g${i}`));
      await claim(store, 'a', 2);
      await claim(store, 'b', 2);
      expect(await store.releaseOutboxLeases('a')).toBe(2);
      expect(keys(await claim(store, 'c'))).toEqual(['g0', 'g1']);
      const freed = await store.releaseOutboxLeases(null);
      if (store.kind === 'sqlite') {
        expect(freed).toBe(4);
        expect(await claim(store, 'd')).toHaveLength(4);
      } else {
        expect(freed).toBe(0);
        expect(await claim(store, 'd')).toEqual([]);
      }
      await store.close();
    });

    it('queues deliveries of leads that have none, once per target: older leads, no goal without a visitor, none for a lead delivered there', async () => {
      const o = await target.open(testClock().now);
      const old = await o.store.addLead({ email: 'old@example.com', offerId: 'guide', visitorId: 'v1' });
      const anonymous = await o.store.addLead({ email: 'anon@example.com', offerId: 'guide', visitorId: null });
      const done = await o.store.addLead({ email: 'done@example.com', offerId: 'guide', visitorId: 'v2' });
      await o.store.markDelivered(done.id, 'webhook');
      const queuedAlready = await o.store.addLead({ email: 'new@example.com', offerId: 'guide', visitorId: 'v3' }, { deliverTo: ['webhook'] });
      expect(await o.store.enqueueUndeliveredLeads('webhook')).toBe(2);
      expect(await o.store.enqueueUndeliveredLeads('datafast')).toBe(3);
      // Each lead is looked at once: nothing more, also after reopen.
      const store = await o.reopen();
      expect(await store.enqueueUndeliveredLeads('webhook')).toBe(0);
      expect(await store.enqueueUndeliveredLeads('datafast')).toBe(0);
      const leadsOf = async (kind: 'datafast' | 'webhook') => (await claim(store, 'w', 10, kind)).map((e) => e.leadId).sort();
      expect(await leadsOf('webhook')).toEqual([old.id, anonymous.id, queuedAlready.id].sort());
      expect(await leadsOf('datafast')).toEqual([old.id, done.id, queuedAlready.id].sort());
      // A lead stored later, while the target was not configured, is picked up at the next look.
      await store.addLead({ email: 'later@example.com', offerId: 'guide', visitorId: 'v4' });
      expect(await store.enqueueUndeliveredLeads('webhook')).toBe(1);
      await store.close();
    });

    it('prune deletes finished rows older than the cutoff, never a pending one however old', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      for (const k of ['old-delivered', 'old-rejected', 'old-pending', 'new-delivered']) await store.enqueueGoal(goal(k));
      const rows = new Map((await claim(store, 'w')).map((e) => [e.key, e]));
      await store.settleOutbox(rows.get('old-delivered')!, 'w', { state: 'delivered', attempts: 0, error: null });
      await store.settleOutbox(rows.get('old-rejected')!, 'w', { state: 'rejected', attempts: 0, error: 'http-400' });
      await store.settleOutbox(rows.get('old-pending')!, 'w', { state: 'pending', attempts: 3, retryAt: clock.t + 1, error: 'timeout' });
      clock.advance(10 * 86_400_000);
      await store.settleOutbox(rows.get('new-delivered')!, 'w', { state: 'delivered', attempts: 0, error: null });
      expect((await store.prune(clock.t - 1)).outbox).toBe(2);
      expect((await store.prune(clock.t - 1)).outbox).toBe(0);
      expect(keys(await claim(store, 'w'))).toEqual(['old-pending']);
      // The delivered key is still known: it is not queued again.
      expect(await store.enqueueGoal(goal('new-delivered'))).toBe(false);
      await store.close();
    });

    it('erasing an email deletes its leads and every outbox row of them (webhook and goal, pending or done), in one transaction; others are kept', async () => {
      const { store } = await target.open(testClock().now);
      const both = { deliverTo: ['datafast', 'webhook'] } as const;
      const ann = await store.addLead({ email: 'Ann@example.com', offerId: 'guide', visitorId: 'v1' }, both);
      const ann2 = await store.addLead({ email: 'ann@EXAMPLE.com', offerId: 'kit', visitorId: 'v2' }, both);
      const bob = await store.addLead({ email: 'bob@example.com', offerId: 'guide', visitorId: 'v3' }, both);
      await store.enqueueGoal(goal('widget-click'));
      // One of Ann's is delivered already, one in flight.
      const [first] = await claim(store, 'w', 1, 'webhook');
      await store.settleOutbox(first!, 'w', { state: 'delivered', attempts: 0, error: null });
      await claim(store, 'w', 1, 'webhook');
      expect(await store.deleteLeadsByEmail('ANN@example.com')).toBe(2);
      expect(await store.lead(ann.id)).toBeUndefined();
      expect(await store.lead(ann2.id)).toBeUndefined();
      expect(await store.outboxCounts()).toEqual({ datafast: { queued: 2, inFlight: 0, failed: 0, rejected: 0 }, webhook: { queued: 1, inFlight: 0, failed: 0, rejected: 0 } });
      expect((await claim(store, 'x', 10, 'webhook')).map((e) => e.leadId)).toEqual([bob.id]);
      expect((await claim(store, 'x', 10, 'datafast')).map((e) => e.leadId ?? e.key)).toEqual([bob.id, 'widget-click']);
      await store.close();
    });

    it('erasing finds an address whatever its Unicode case or composition: ÖZGE@ stored, özge@EXAMPLE.com erases it and its queued webhook call', async () => {
      const { store } = await target.open(testClock().now);
      const both = { deliverTo: ['datafast', 'webhook'] } as const;
      const upper = await store.addLead({ email: 'ÖZGE@example.com', offerId: 'guide', visitorId: 'v1' }, both);
      // The same address typed as O + combining diaeresis (NFD).
      const decomposed = await store.addLead({ email: 'O\u0308ZGE@example.com', offerId: 'kit', visitorId: null }, both);
      const other = await store.addLead({ email: 'ozge@example.com', offerId: 'guide', visitorId: null }, both);
      expect(await store.deleteLeadsByEmail('özge@EXAMPLE.com')).toBe(2);
      expect(await store.lead(upper.id)).toBeUndefined();
      expect(await store.lead(decomposed.id)).toBeUndefined();
      expect(await store.lead(other.id)).toBeDefined();
      expect((await claim(store, 'x', 10, 'webhook')).map((e) => e.leadId)).toEqual([other.id]);
      expect(await claim(store, 'x', 10, 'datafast')).toEqual([]);
      // Greek (a final sigma) and a dotted capital I: JavaScript's case mapping on both sides.
      await store.addLead({ email: 'ΟΔΥΣΣΕΥΣ@example.com', offerId: 'guide', visitorId: null });
      await store.addLead({ email: 'İLKE@example.com', offerId: 'guide', visitorId: null });
      expect(await store.deleteLeadsByEmail('Οδυσσευς@EXAMPLE.com')).toBe(1);
      expect(await store.deleteLeadsByEmail('İlke@example.com')).toBe(1);
      expect(await store.leadCount()).toBe(1);
      await store.close();
    });

    it('an outbox write that fails rejects, is counted, and leaves nothing half-done; then it works again', async () => {
      const o = await target.open(testClock().now);
      await o.store.enqueueGoal(goal('before'));
      const unjam = await o.jam();
      await expect(o.store.enqueueGoal(goal('lost'))).rejects.toThrow();
      await expect(claim(o.store, 'w')).rejects.toThrow();
      await expect(o.store.addLead({ email: 'lost@example.com', offerId: 'guide', visitorId: 'v1' }, { deliverTo: ['datafast', 'webhook'] })).rejects.toThrow();
      await unjam();
      expect(o.store.writeStats().failures).toBeGreaterThanOrEqual(3);
      expect(await o.store.leadCount()).toBe(0);
      expect(keys(await claim(o.store, 'w'))).toEqual(['before']);
      expect(await claim(o.store, 'w', 10, 'webhook')).toEqual([]);
      await o.store.close();
    });
  });
}
