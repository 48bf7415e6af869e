// What Redis sees: names that are pseudonyms (the same for every instance of one site, different
// for another API key, website or kind, never containing what they name) and sealed values that
// open only under the same key and name, unaltered.
import { describe, expect, it } from 'vitest';
import { RedisKeyring } from '../../../server/redis/keyring';

const KEY = 'df_keyring_test_key_0123456789';
const VISITOR = '3f6c2a1e-8b4d-4c7a-9e2f-1a5b6c7d8e01';

describe('names', () => {
  it('are the same for every instance with the same API key and website', () => {
    expect(new RedisKeyring(KEY, null).name('visitor', VISITOR)).toBe(new RedisKeyring(KEY, null).name('visitor', VISITOR));
    expect(new RedisKeyring(KEY, 'site-a').accountName('pause')).toBe(new RedisKeyring(KEY, 'site-a').accountName('pause'));
  });

  it('differ with the API key, the website, the kind and the id', () => {
    const base = new RedisKeyring(KEY, 'site-a');
    const names = new Set([
      base.name('visitor', VISITOR),
      new RedisKeyring('df_another_key_0123456789', 'site-a').name('visitor', VISITOR),
      new RedisKeyring(KEY, 'site-b').name('visitor', VISITOR),
      new RedisKeyring(KEY, null).name('visitor', VISITOR),
      base.name('limit:events_per_ip', VISITOR),
      base.name('visitor', VISITOR.replace('1', '2')),
    ]);
    expect(names.size).toBe(6);
  });

  it('keep an account-wide name the same for every website of the account, and apart from site names', () => {
    expect(new RedisKeyring(KEY, 'site-a').accountName('pause')).toBe(new RedisKeyring(KEY, 'site-b').accountName('pause'));
    expect(new RedisKeyring(KEY, 'site-a').accountName('pause')).not.toBe(new RedisKeyring('df_another_key_0123456789', 'site-a').accountName('pause'));
    expect(new RedisKeyring(KEY, null).accountName('pause')).not.toBe(new RedisKeyring(KEY, null).name('pause', ''));
  });

  it('hold nothing of what they name, nor of the key', () => {
    const k = new RedisKeyring(KEY, 'site-a');
    for (const id of [VISITOR, '203.0.113.7', '2001:db8:1:2::/64']) {
      const name = k.name('limit:events_per_ip', id);
      expect(name).toMatch(/^[A-Za-z0-9_-]{22}$/);
      for (const piece of [id, id.slice(0, 8), KEY, 'site-a']) expect(name).not.toContain(piece);
    }
  });
});

describe('sealed values', () => {
  const k = new RedisKeyring(KEY, null);
  const name = k.name('visitor', VISITOR);
  const plain = Buffer.from(JSON.stringify({ country: 'FR', utm_source: 'newsletter' }));

  it('open to what was sealed, and hold none of it in clear', () => {
    const sealed = k.seal(plain, name, '123|456|');
    expect(k.open(sealed, name, '123|456|')?.toString()).toBe(plain.toString());
    expect(sealed.toString('latin1')).not.toContain('newsletter');
    // A fresh IV each time: the same record does not seal to the same bytes.
    expect(k.seal(plain, name).equals(k.seal(plain, name))).toBe(false);
  });

  it('do not open under another name, other clear text, another API key, or once altered', () => {
    const sealed = k.seal(plain, name, '123|456|');
    expect(k.open(sealed, k.name('visitor', 'someone-else'), '123|456|')).toBeNull();
    expect(k.open(sealed, name, '999|456|')).toBeNull();
    expect(new RedisKeyring('df_another_key_0123456789', null).open(sealed, name, '123|456|')).toBeNull();
    for (const at of [0, 13, sealed.length - 1]) {
      const altered = Buffer.from(sealed);
      altered[at] = (altered[at] ?? 0) ^ 1;
      expect(k.open(altered, name, '123|456|')).toBeNull();
    }
    expect(k.open(Buffer.from('short'), name)).toBeNull();
  });
});
