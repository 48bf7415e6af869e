// The widget's words: English unless the offer's answer carries its own, placeholders filled in.
import { describe, expect, it } from 'vitest';
import { say } from '../../widget/strings';
import { EN } from '../../widget/ui-strings-en';

describe('say', () => {
  it('English by default', () => {
    expect(say(undefined, 'copyCode')).toBe('Copy code');
    expect(say({}, 'close')).toBe(EN.close);
  });

  it('the offer’s words win, key by key', () => {
    expect(say({ copyCode: 'Copier le code' }, 'copyCode')).toBe('Copier le code');
    expect(say({ copyCode: 'Copier le code' }, 'close')).toBe('Close');
  });

  it('fills {n}, {asset}, {headline}; leaves an unknown placeholder as written', () => {
    expect(say(undefined, 'viewing', { n: 12 })).toBe('12 people are viewing now');
    expect(say({ leadNext: '{asset} arrive : {who}' }, 'leadNext', { asset: 'Le guide' })).toBe('Le guide arrive : {who}');
  });

  it('ignores a word that is not a string (a malformed answer)', () => {
    expect(say({ close: 3 } as unknown as Record<string, string>, 'close')).toBe('Close');
  });
});
