// The Store contract, continued: every stored lead page by page, for `visitor-offers leads export`.
// Oldest first whatever was delivered, from a time on, and nothing of an erased email.
import { describe, expect, it } from 'vitest';
import { testClock, type StoreTarget } from './store-contract';

export function describeLeadPages(target: StoreTarget): void {
  describe(`Store contract (${target.name}): every lead, page by page`, () => {
    it('pages through every lead oldest first, delivered or not, from a time on; an erased email is gone', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      const added = [];
      for (let i = 0; i < 7; i += 1) {
        added.push(await store.addLead({ email: i === 3 ? 'Erase.Me@example.com' : `p${i}@example.com`, offerId: 'guide', visitorId: i % 2 === 0 ? `v${i}` : null }));
        clock.advance(60_000);
      }
      await store.markDelivered(added[1]!.id, 'webhook');
      await store.markDelivered(added[1]!.id, 'datafast');
      const all = [];
      for (let afterSeq = 0; ; ) {
        const page = await store.leadsPage({ afterSeq, limit: 3 });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(3);
        all.push(...page);
        afterSeq = page.at(-1)!.seq;
      }
      expect(all.map(({ seq: _seq, ...lead }) => lead)).toEqual(added.map((l, i) => (i === 1 ? { ...l, delivered: { datafast: true, webhook: true } } : l)));

      const since = added[4]!.at;
      expect((await store.leadsPage({ since })).map((l) => l.email)).toEqual(['p4@example.com', 'p5@example.com', 'p6@example.com']);
      expect(await store.leadsPage({ since: clock.t })).toEqual([]);

      expect(await store.deleteLeadsByEmail('erase.me@EXAMPLE.com')).toBe(1);
      expect((await store.leadsPage()).map((l) => l.email)).not.toContain('Erase.Me@example.com');
      expect(await store.leadsPage()).toHaveLength(6);
      await store.close();
    });
  });
}
