// Every stored lead, page by page in `seq` order (keyset paging: each page is one indexed range,
// however far the export has gone), for `visitor-offers leads export`. Delivered or not.
import type { Db } from './backend.js';
import type { Lead } from './store.js';

export async function leadsPage(db: Db, afterSeq: number, since: number | null, limit: number): Promise<Array<Lead & { seq: number }>> {
  const rows = await db
    .selectFrom('vo_leads')
    .select(['seq', 'id', 'email', 'offer_id', 'visitor_id', 'at', 'delivered_datafast', 'delivered_webhook'])
    .where('seq', '>', afterSeq)
    .$if(since !== null, (qb) => qb.where('at', '>=', since ?? 0))
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    seq: Number(row.seq),
    id: row.id,
    email: row.email,
    offerId: row.offer_id,
    visitorId: row.visitor_id,
    at: Number(row.at),
    delivered: { datafast: Number(row.delivered_datafast) === 1, webhook: Number(row.delivered_webhook) === 1 },
  }));
}
