// An offer's `image` (the site's own origin only) and `strings` (the widget's words) in the offers
// file: what is accepted, what is refused with a pointed message, and what the server keeps.
import { describe, expect, it } from 'vitest';
import { checkOffers } from '../../../server/config/offers-file';

const lead = { id: 'l', kind: 'lead_magnet', headline: 'H', body: 'B', assetName: 'Guide', buttonLabel: 'Send', consentText: 'OK' };
const check = (fields: Record<string, unknown>) => checkOffers({ offers: [{ ...lead, ...fields }] });

describe('offer image', () => {
  it.each(['/img/guide.png', 'img/guide.png', './guide.webp', '/a/b%20c.svg?v=2'])('accepts %s (same origin)', (image) => {
    const c = check({ image });
    expect(c.ok).toBe(true);
    if (c.ok) expect(c.config.offers[0]?.image).toBe(image);
  });

  it.each(['https://cdn.example.com/a.png', 'http://x/a.png', '//cdn.example.com/a.png', 'javascript:alert(1)', 'data:image/png;base64,AA', '/a b.png', '\\\\host\\a.png', ''])(
    'refuses %s, saying what it wants',
    (image) => {
      const c = check({ image });
      expect(c.ok).toBe(false);
      if (!c.ok) expect(c.problems[0]?.place).toBe('offers[0].image');
    },
  );

  it('is absent when not set', () => {
    const c = check({});
    expect(c.ok && c.config.offers[0]).not.toHaveProperty('image');
  });
});

describe('offer strings', () => {
  it('keeps the words set, trimmed', () => {
    const c = check({ strings: { copyCode: ' Grab it ', close: 'Schließen' } });
    expect(c.ok && c.config.offers[0]?.strings).toEqual({ copyCode: 'Grab it', close: 'Schließen' });
  });

  it('names a misspelt key, and refuses an empty word', () => {
    const typo = check({ strings: { copycode: 'x' } });
    expect(typo.ok).toBe(false);
    if (!typo.ok) expect(JSON.stringify(typo.problems)).toContain('copyCode');
    expect(check({ strings: { close: '  ' } }).ok).toBe(false);
  });
});

describe('the lang table', () => {
  it('keeps each language’s words under its lower-case tag', () => {
    const c = checkOffers({ lang: { 'pt-BR': { close: 'Fechar' }, de: { copyCode: 'Code kopieren' } } });
    expect(c.ok && c.config.lang).toEqual({ 'pt-br': { close: 'Fechar' }, de: { copyCode: 'Code kopieren' } });
  });

  it('refuses a tag that is not a language, and an unknown word', () => {
    expect(checkOffers({ lang: { german: { close: 'x' } } }).ok).toBe(false);
    expect(checkOffers({ lang: { de: { clsoe: 'x' } } }).ok).toBe(false);
  });
});
