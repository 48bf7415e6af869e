// The widget's word tables: English is one table, the widget's own, which the server reads too;
// every other shipped language has exactly its keys, each non-empty and with its placeholders;
// `uiStringsFor` sends only what differs from English.
import { describe, expect, it } from 'vitest';
import { BUILT_IN_LANGS, EN, readLang, UI_STRING_KEYS, uiStringsFor } from '../../../server/offers/ui-strings';
import { EN as WIDGET_EN } from '../../../widget/ui-strings-en';

const placeholders = (s: string): string[] => [...s.matchAll(/\{\w+\}/g)].map((m) => m[0]).sort();
const keysOf = (table: object): string[] => Object.keys(table).sort();

describe('UI strings', () => {
  it('English is the widget’s own table, with exactly the keys the server validates and sends', () => {
    expect(EN).toBe(WIDGET_EN);
    expect(BUILT_IN_LANGS.en).toBe(WIDGET_EN);
    expect(keysOf(WIDGET_EN)).toEqual([...UI_STRING_KEYS].sort());
    for (const key of UI_STRING_KEYS) expect(WIDGET_EN[key].trim(), key).not.toBe('');
  });

  for (const [lang, table] of Object.entries(BUILT_IN_LANGS).filter(([l]) => l !== 'en')) {
    it(`${lang}: exactly the English keys, each non-empty, translated, with the same placeholders`, () => {
      expect(keysOf(table)).toEqual(keysOf(WIDGET_EN));
      for (const key of UI_STRING_KEYS) {
        expect(table[key].trim(), key).not.toBe('');
        expect(placeholders(table[key]), key).toEqual(placeholders(WIDGET_EN[key]));
      }
      // A table copied from English and left untranslated would send nothing at all.
      expect(UI_STRING_KEYS.filter((key) => table[key] !== WIDGET_EN[key]).length).toBeGreaterThan(UI_STRING_KEYS.length / 2);
    });
  }

  it('ships English and at least one other language', () => {
    expect(Object.keys(BUILT_IN_LANGS).length).toBeGreaterThanOrEqual(2);
  });

  it('reads a BCP 47-looking tag and nothing else', () => {
    expect(readLang('fr-CA')).toBe('fr-ca');
    expect(readLang('EN')).toBe('en');
    for (const bad of [undefined, '', 'f', 'fr_CA', 'fr;', ['fr'], 'x'.repeat(36)]) expect(readLang(bad), String(bad)).toBeNull();
  });

  it('sends only what differs from English', () => {
    expect(uiStringsFor(null, undefined)).toBeUndefined();
    expect(uiStringsFor('en', { close: 'Close' })).toBeUndefined();
    expect(uiStringsFor('fr-be', undefined)?.close).toBe('Fermer');
    expect(uiStringsFor('de', { close: 'Schließen' })).toEqual({ close: 'Schließen' });
  });
});
