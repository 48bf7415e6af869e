// cut(): the first `max` UTF-16 units, as slice() gives them (the copy that keeps nothing else
// alive is measured by `npm run bench`, section 5: heap after the crammed records).
import { describe, expect, it } from 'vitest';
import { cut } from '../../../server/datafast/cut';

describe('cut', () => {
  it('returns a string that fits as it is', () => {
    const s = 'utm_source';
    expect(cut(s, 10)).toBe(s);
    expect(cut('', 0)).toBe('');
  });

  it('gives exactly the first max units of a longer one, whatever its characters', () => {
    for (const s of ['v'.repeat(10_000), 'é'.repeat(300), '😀'.repeat(200), `a\u0000b${'\ud800'.repeat(5)}c`.repeat(50)]) {
      for (const max of [0, 1, 7, 64, 256]) expect(cut(s, max)).toBe(s.slice(0, max));
    }
  });
});
