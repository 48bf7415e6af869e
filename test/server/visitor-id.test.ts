import { describe, expect, it } from 'vitest';
import { readVisitorId, VISITOR_COOKIE } from '../../server/visitor-id';

const VALID = 'a3ab2331-989f-4cfa-91c6-2461c9e3c6bd';

describe('readVisitorId', () => {
  it('reads the DataFast cookie name', () => {
    expect(VISITOR_COOKIE).toBe('datafast_visitor_id');
  });

  it.each([
    ['undefined (no cookie)', undefined],
    ['an empty string', ''],
    ['null', null],
  ])('reports no visitor id for %s', (_label, value) => {
    expect(readVisitorId(value)).toEqual({ kind: 'none' });
  });

  it.each([VALID, 'b971cbbf-7ce2-4925-902b-8f95a5fb3449', '00000000-0000-4000-8000-000000000000', 'ffffffff-ffff-4fff-bfff-ffffffffffff'])(
    'accepts the UUID v4 %s as it is',
    (id) => {
      expect(readVisitorId(id)).toEqual({ kind: 'valid', id });
    },
  );

  it.each(['8', '9', 'a', 'b'])('accepts the variant nibble %s', (nibble) => {
    const id = `a3ab2331-989f-4cfa-${nibble}1c6-2461c9e3c6bd`;
    expect(readVisitorId(id)).toEqual({ kind: 'valid', id });
  });

  it('lower-cases an upper-case UUID v4, so one visitor has one id', () => {
    expect(readVisitorId(VALID.toUpperCase())).toEqual({ kind: 'valid', id: VALID });
    expect(readVisitorId('A3AB2331-989F-4CFA-91C6-2461c9e3c6bd')).toEqual({ kind: 'valid', id: VALID });
  });

  it.each([
    ['a UUID v1', 'a3ab2331-989f-1cfa-91c6-2461c9e3c6bd'],
    ['a UUID v3', 'a3ab2331-989f-3cfa-91c6-2461c9e3c6bd'],
    ['a UUID v5', 'a3ab2331-989f-5cfa-91c6-2461c9e3c6bd'],
    ['the nil UUID', '00000000-0000-0000-0000-000000000000'],
    ['variant nibble 7', 'a3ab2331-989f-4cfa-71c6-2461c9e3c6bd'],
    ['variant nibble c', 'a3ab2331-989f-4cfa-c1c6-2461c9e3c6bd'],
    ['variant nibble f', 'a3ab2331-989f-4cfa-f1c6-2461c9e3c6bd'],
    ['35 characters', VALID.slice(0, 35)],
    ['37 characters', `${VALID}0`],
    ['a trailing newline', `${VALID.slice(0, 35)}\n`],
    ['a non-hex letter', 'g3ab2331-989f-4cfa-91c6-2461c9e3c6bd'],
    ['no dashes (32 hex digits padded to 36)', 'a3ab2331989f4cfa91c62461c9e3c6bd----'],
    ['dashes in the wrong places', 'a3ab233-1989f-4cfa-91c6-2461c9e3c6bd'],
    ['braces', `{${VALID.slice(1, 35)}}`],
    ['a path traversal of 36 characters', '../../../api/v1/admin/access-tokens/'],
    ['a UUID-looking path trick', '../b2331-989f-4cfa-91c6-2461c9e3c6bd'],
    ['a UUID followed by a path', 'a3ab2331-989f-4cfa-91c6-2461c9/../xx'],
    ['URL-encoded dots and slashes', '%2e%2e%2f%2e%2e%2fadmin%2faccess-tok'],
    ['a UUID ending in a URL-encoded slash', 'a3ab2331-989f-4cfa-91c6-2461c9e%2F..'],
    ['a query string', 'a3ab2331-989f-4cfa-91c6-2461c9e3c?x='],
    ['spaces', ' a3ab2331-989f-4cfa-91c6-2461c9e3c6b'],
    ['a 10 kB string', 'a'.repeat(10_240)],
    ['a 10 kB string starting with a valid id', VALID + 'a'.repeat(10_240)],
  ])('rejects %s', (_label, value) => {
    expect(readVisitorId(value)).toEqual({ kind: 'invalid' });
  });

  it.each([
    ['a JSON object (cookie-parser turns j:{…} into one)', { visitorId: VALID }],
    ['an object whose toString is a valid id', { toString: () => VALID, length: 36 }],
    ['an array holding a valid id', [VALID]],
    ['an empty array', []],
    ['a number', 42],
    ['zero', 0],
    ['a boolean', true],
  ])('rejects a non-string value: %s', (_label, value) => {
    expect(readVisitorId(value)).toEqual({ kind: 'invalid' });
  });
});
