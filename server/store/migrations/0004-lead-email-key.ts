// Erasure finds a lead by `email_key` (email-key.ts: NFC, lower-cased in JavaScript), no longer by
// SQL lower(email), which folds only ASCII on SQLite and follows the ctype on Postgres. Existing
// rows get their key here, computed in JavaScript, a page at a time (memory does not grow with the
// table). SQLite runs migrations outside a transaction: every step can run again after a crash.
import { sql, type Kysely } from 'kysely';
import { emailKey } from '../email-key.js';

const PAGE = 500;

export function leadEmailKey() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const columns = await db.introspection.getTables();
      const leads = columns.find((t) => t.name === 'vo_leads');
      // '' = not computed yet (an email is never empty).
      if (!leads?.columns.some((c) => c.name === 'email_key')) {
        await db.schema.alterTable('vo_leads').addColumn('email_key', 'text', (c) => c.notNull().defaultTo('')).execute();
      }
      for (;;) {
        const page = await sql<{ seq: number | string; email: string }>`select seq, email from vo_leads where email_key = '' order by seq limit ${PAGE}`.execute(db);
        if (page.rows.length === 0) break;
        // VALUES names its columns column1, column2 on both databases (SQLite takes no alias list).
        const values = sql.join(page.rows.map((r) => sql`(cast(${String(r.seq)} as bigint), ${emailKey(r.email)})`));
        await sql`update vo_leads set email_key = k.column2 from (values ${values}) as k where vo_leads.seq = k.column1`.execute(db);
      }
      await db.schema.createIndex('vo_leads_email_key').ifNotExists().on('vo_leads').column('email_key').execute();
      await db.schema.dropIndex('vo_leads_email').ifExists().execute();
    },
  };
}
