// The store's migrations, written as code in the repository and run by Kysely's Migrator in name
// order (each once; the applied ones are listed in `vo_migrations`). Add one as `000N-what.ts`
// and list it here; never edit one that has shipped.
import type { Migration, MigrationProvider } from 'kysely';
import type { StoreKind } from '../store.js';
import { initial } from './0001-initial.js';
import { outbox } from './0002-outbox.js';
import { codeHolds } from './0003-code-holds.js';
import { leadEmailKey } from './0004-lead-email-key.js';
import { codeIndex } from './0005-code-index.js';
import { attribution } from './0006-attribution.js';
import { enrolments } from './0007-enrolments.js';
import { scoreSignals } from './0008-score-signals.js';

export function migrationsFor(kind: StoreKind): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001-initial': initial(kind),
    '0002-outbox': outbox(kind),
    '0003-code-holds': codeHolds(),
    '0004-lead-email-key': leadEmailKey(),
    '0005-code-index': codeIndex(),
    '0006-attribution': attribution(),
    '0007-enrolments': enrolments(),
    '0008-score-signals': scoreSignals(),
  };
  return { getMigrations: () => Promise.resolve(migrations) };
}

/** The newest migration's name: a reader (`visitor-offers results`) refuses an older schema. */
export const LATEST_MIGRATION = '0008-score-signals';
