// The outbox lease outlasts what a worker does between claiming a row and sending it — the lead's
// read from the store and the send — twice over, so a slow database does not let a second instance
// send the same row meanwhile.
import { describe, expect, it } from 'vitest';
import { outboxLeaseMs } from '../../../server/delivery/lease';
import { PG_CONNECT_TIMEOUT_MS, PG_STATEMENT_TIMEOUT_MS } from '../../../server/store/postgres';
import { DEFAULT_BUSY_TIMEOUT_MS } from '../../../server/store/sqlite';

describe('outboxLeaseMs', () => {
  it('covers the slowest send plus one store statement, twice, with 10 s of slack', () => {
    expect(outboxLeaseMs([5000, 3000], { statementMs: 5000 })).toBe(30_000);
    expect(outboxLeaseMs([1500], { statementMs: 20_000 })).toBe(53_000);
    expect(outboxLeaseMs([], { statementMs: 0 })).toBe(10_000);
  });

  it('on Postgres it outlasts a lead read that takes the whole connect and statement timeout, plus the send', () => {
    const storeWorst = PG_CONNECT_TIMEOUT_MS + PG_STATEMENT_TIMEOUT_MS;
    const send = 5000;
    expect(outboxLeaseMs([send], { statementMs: storeWorst })).toBeGreaterThan(2 * (storeWorst + send));
    expect(outboxLeaseMs([send], { statementMs: DEFAULT_BUSY_TIMEOUT_MS })).toBeGreaterThan(2 * (DEFAULT_BUSY_TIMEOUT_MS + send));
  });
});
