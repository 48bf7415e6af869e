// offers.schema.json: generated from the one offers schema, committed for editors ("$schema" in a
// file), and checked here so it never drifts from what the server accepts.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { checkOffers } from '../../../server/config/offers-file';
import { offersJsonSchema, offersJsonSchemaText } from '../../../server/config/offers-json-schema';

const validate = new Ajv2020({ allErrors: true, strict: false }).compile(offersJsonSchema());
const json = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

const lead = { id: 'l', kind: 'lead_magnet', headline: 'H', body: 'B', assetName: 'Guide', buttonLabel: 'Send', consentText: 'OK' };

describe('offers.schema.json', () => {
  it('is the committed output of the schema (regenerate with npm run schema)', () => {
    expect(readFileSync('offers.schema.json', 'utf8')).toBe(offersJsonSchemaText());
  });

  it.each(['offers.example.json', 'demo/offers.demo.json'])('accepts %s, which names it in "$schema"', (path) => {
    const file = json(path) as { $schema?: string };
    expect(validate(file), JSON.stringify(validate.errors)).toBe(true);
    expect(file.$schema).toMatch(/offers\.schema\.json$/);
  });

  // What JSON Schema can say agrees with the server: the same files pass and fail both.
  const files: Array<[string, unknown, boolean]> = [
    ['an empty file', {}, true],
    ['a trigger shorthand', { offers: [{ ...lead, trigger: 'exit-intent' }] }, true],
    ['a trigger object', { offers: [{ ...lead, trigger: { type: 'scroll', percent: 40 } }] }, true],
    ['a single string for a list', { rules: [{ id: 'r', when: { segment: 'low', path: '/pricing' }, then: { offer: null } }] }, true],
    ['$comment everywhere', { $comment: 'x', thresholds: { $comment: ['a', 'b'], low: 30 } }, true],
    ['a misspelt key', { offers: [{ ...lead, hedline: 'x' }] }, false],
    ['an unknown top-level key', { offer: [] }, false],
    ['a string threshold', { thresholds: { low: '30' } }, false],
    ['a threshold above 100', { thresholds: { high: 101 } }, false],
    ['an unknown kind', { offers: [{ ...lead, kind: 'discount' }] }, false],
    ['a delay without seconds', { offers: [{ ...lead, trigger: { type: 'delay' } }] }, false],
    ['an unknown placement', { offers: [{ ...lead, placement: 'popup' }] }, false],
    ['a bad offer id', { bySegment: { low: 'Big Sale' } }, false],
    ['an empty list', { rules: [{ id: 'r', when: { segment: [] }, then: { offer: null } }] }, false],
    ['one variant', { experiments: [{ id: 'e', variants: [{ id: 'a', weight: 1, offer: null }] }] }, false],
    ['a headline of 121 characters', { offers: [{ ...lead, headline: 'h'.repeat(121) }] }, false],
  ];
  it.each(files)('agrees with the server on %s', (_label, file, valid) => {
    expect(validate(file)).toBe(valid);
    expect(checkOffers(file).ok).toBe(valid);
  });
});
