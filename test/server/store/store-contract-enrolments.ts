// The Store contract, a bandit's enrolments (run by store-contract.ts on every backend): the first
// enrolment of a visitor in an experiment is theirs for good — a later one with another variant
// gets the first back, also after a reopen and from concurrent callers; experiments are separate;
// a failed write records nothing; the retention prunes enrolments by their time.
import { describe, expect, it } from 'vitest';
import { testClock, type StoreTarget } from './store-contract';

export function describeEnrolments(target: StoreTarget): void {
  describe(`Store contract (${target.name}): a bandit's enrolments`, () => {
    it('keeps the first enrolment of a visitor, whatever variant is asked for later, also after reopen', async () => {
      const o = await target.open(testClock().now);
      expect(await o.store.enrolmentOf('bandit', 'v1')).toBeUndefined();
      expect(await o.store.enrol('bandit', 'v1', 'arm-b')).toEqual({ variantId: 'arm-b', first: true });
      expect(await o.store.enrol('bandit', 'v1', 'arm-a')).toEqual({ variantId: 'arm-b', first: false });
      expect(await o.store.enrolmentOf('bandit', 'v1')).toBe('arm-b');
      // Another experiment and another visitor are enrolled on their own.
      expect(await o.store.enrol('other', 'v1', 'arm-a')).toEqual({ variantId: 'arm-a', first: true });
      expect(await o.store.enrol('bandit', 'v2', 'arm-a')).toEqual({ variantId: 'arm-a', first: true });
      const store = await o.reopen();
      expect(await store.enrol('bandit', 'v1', 'arm-c')).toEqual({ variantId: 'arm-b', first: false });
      expect(await store.enrolmentOf('bandit', 'v2')).toBe('arm-a');
      await store.close();
    });

    it('concurrent enrolments of one visitor with different variants all resolve with the one that was stored', async () => {
      const { store } = await target.open(testClock().now);
      const outcomes = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((arm) => store.enrol('bandit', 'v1', arm)));
      const stored = await store.enrolmentOf('bandit', 'v1');
      expect(outcomes.map((x) => x.variantId)).toEqual(new Array(6).fill(stored));
      expect(outcomes.filter((x) => x.first)).toHaveLength(1);
      await store.close();
    });

    it('a failed write records no enrolment; the retry does', async () => {
      const o = await target.open(testClock().now);
      const unjam = await o.jam();
      await expect(o.store.enrol('bandit', 'v1', 'arm-a')).rejects.toThrow();
      await unjam();
      expect(await o.store.enrolmentOf('bandit', 'v1')).toBeUndefined();
      expect(await o.store.enrol('bandit', 'v1', 'arm-b')).toEqual({ variantId: 'arm-b', first: true });
      await o.store.close();
    });

    it('the retention prunes enrolments older than the cutoff, and only those', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      await store.enrol('bandit', 'old', 'arm-a');
      clock.advance(10 * 86_400_000);
      const cutoff = clock.t;
      await store.enrol('bandit', 'new', 'arm-a');
      expect((await store.prune(cutoff)).enrolments).toBe(1);
      expect(await store.enrolmentOf('bandit', 'old')).toBeUndefined();
      expect(await store.enrolmentOf('bandit', 'new')).toBe('arm-a');
      expect((await store.prune(cutoff)).enrolments).toBe(0);
      await store.close();
    });
  });
}
