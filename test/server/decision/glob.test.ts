import { describe, expect, it } from 'vitest';
import { compileGlob, globMatch } from '../../../server/decision/glob';

describe('compileGlob', () => {
  describe('matches the whole text', () => {
    it.each<[string, string, boolean]>([
      ['/pricing', '/pricing', true],
      ['/pricing', '/pricing/annual', false],
      ['/pricing', '/x/pricing', false],
      ['/pricing', '/pricin', false],
      ['/', '/', true],
      ['/', '/a', false],
      ['', '', true],
      ['', '/', false],
    ])('%j against %j → %s', (pattern, text, expected) => {
      expect(compileGlob(pattern).test(text)).toBe(expected);
    });
  });

  describe('`*` is any characters except "/", including none', () => {
    it.each<[string, string, boolean]>([
      ['/blog/*', '/blog/launch', true],
      ['/blog/*', '/blog/', true],
      ['/blog/*', '/blog', false],
      ['/blog/*', '/blog/2026/launch', false],
      ['/*/pricing', '/de/pricing', true],
      ['/*/pricing', '/pricing', false],
      ['/*/pricing', '/de/ch/pricing', false],
      ['/docs/*.html', '/docs/start.html', true],
      ['/docs/*.html', '/docs/a/start.html', false],
      ['*.google.*', 'www.google.com', true],
      ['*.google.*', 'google.com', false],
      ['*.google.*', 'www.google.co.uk', true],
      ['/a*b', '/ab', true],
      ['/a*b', '/axxb', true],
      ['/a*b', '/ax/b', false],
    ])('%j against %j → %s', (pattern, text, expected) => {
      expect(compileGlob(pattern).test(text)).toBe(expected);
    });
  });

  describe('`**` is anything, "/" included, also none', () => {
    it.each<[string, string, boolean]>([
      ['/blog/**', '/blog/2026/launch', true],
      ['/blog/**', '/blog/x', true],
      ['/blog/**', '/blog/', true],
      ['/blog/**', '/blog', false],
      ['/blog/**', '/blogroll', false],
      ['**', '', true],
      ['**', '/any/thing/at/all', true],
      ['**/pricing', '/de/ch/pricing', true],
      ['**/pricing', '/pricing', true],
      ['**/pricing', '/pricing/x', false],
      ['/a/**/z', '/a/b/c/z', true],
      ['/a/**/z', '/a//z', true],
      ['/a/**/z', '/a/z', false],
      ['news.ycombinator.com/**', 'news.ycombinator.com/item', true],
      ['***', 'a/b', true],
    ])('%j against %j → %s', (pattern, text, expected) => {
      expect(compileGlob(pattern).test(text)).toBe(expected);
    });
  });

  describe('every other character is literal', () => {
    it.each<[string, string, boolean]>([
      ['/a.b', '/a.b', true],
      ['/a.b', '/axb', false],
      ['/a?', '/a?', true],
      ['/a?', '/ab', false],
      ['/a+', '/a+', true],
      ['/a+', '/aa', false],
      ['/(x)', '/(x)', true],
      ['/(x)', '/x', false],
      ['/[ab]', '/[ab]', true],
      ['/[ab]', '/a', false],
      ['/{a,b}', '/{a,b}', true],
      ['/{a,b}', '/a', false],
      ['/a|b', '/a|b', true],
      ['/a|b', '/a', false],
      ['/^$', '/^$', true],
      ['/\\d', '/\\d', true],
      ['/\\d', '/1', false],
      ['/über', '/über', true],
      ['/a b', '/a b', true],
    ])('%j against %j → %s', (pattern, text, expected) => {
      expect(compileGlob(pattern).test(text)).toBe(expected);
    });
  });

  describe('letter case', () => {
    it.each<[string, string, boolean, boolean]>([
      ['/Pricing', '/pricing', false, true],
      ['/pricing', '/PRICING', false, true],
      ['*.Google.*', 'www.google.COM', false, true],
      ['/pricing', '/pricing', true, true],
    ])('%j against %j: case-sensitive %s, case-insensitive %s', (pattern, text, sensitive, insensitive) => {
      expect(compileGlob(pattern).test(text)).toBe(sensitive);
      expect(compileGlob(pattern, { caseInsensitive: true }).test(text)).toBe(insensitive);
    });
  });

  it('treats a line break like any other character', () => {
    expect(compileGlob('/a/**').test('/a/x\ny')).toBe(true);
    expect(compileGlob('/a/*').test('/a/x\ny')).toBe(true);
    expect(compileGlob('/a').test('/a\n')).toBe(false);
  });

  it('gives a reusable RegExp without global state (same answer twice)', () => {
    const re = compileGlob('/blog/**');
    expect([re.test('/blog/a'), re.test('/blog/a'), re.test('/x')]).toEqual([true, true, false]);
    expect(re.flags).not.toContain('g');
  });

  it('globMatch is the one-off form', () => {
    expect(globMatch('/blog/*', '/blog/a')).toBe(true);
    expect(globMatch('*.EXAMPLE.com', 'www.example.com', { caseInsensitive: true })).toBe(true);
    expect(globMatch('*.EXAMPLE.com', 'www.example.com')).toBe(false);
  });
});
