// offers.schema.json, generated from the one offers schema so an editor checks a file exactly as
// the server does (the parts JSON Schema can express: shapes, ranges, enums, required keys; the
// cross-references, like a rule naming a defined offer, are `visitor-offers check`'s).
import { z } from 'zod';
import { offersFileSchema } from './offers-schema.js';

export function offersJsonSchema(): Record<string, unknown> {
  // Schemas used in several places (an offer id, a $comment) are written once under $defs.
  const schema = z.toJSONSchema(offersFileSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'throw', reused: 'ref' });
  return {
    $schema: schema.$schema,
    title: 'visitor-offers offers file',
    description: 'Offers, ordered rules, experiments, thresholds and segment offers for visitor-offers (OFFERS_CONFIG).',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}

/** The file's text as committed: two-space JSON and a final newline. */
export function offersJsonSchemaText(): string {
  return `${JSON.stringify(offersJsonSchema(), null, 2)}\n`;
}
