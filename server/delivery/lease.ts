// How long a claimed outbox row stays leased to its worker. Between its claim and its send a
// lead's row reads the lead from the store, then calls its target (bounded by the HTTP deadline):
// the lease outlasts both twice over, so a slow database does not let a second instance send the
// row while the first still is. The settle may come after the lease: it is refused once another
// claim holds the row (settleOutbox), so the worst a very slow store costs is one more send.

/** The longest one store statement can take: Postgres's connect timeout plus its statement timeout; SQLite's busy timeout. */
export interface StoreDeadlines {
  statementMs: number;
}

export function outboxLeaseMs(sendTimeoutsMs: readonly number[], store: StoreDeadlines): number {
  const send = Math.max(0, ...sendTimeoutsMs);
  // Read the lead, then send: one store statement and one send, doubled, plus slack.
  return 2 * (send + store.statementMs) + 10_000;
}
