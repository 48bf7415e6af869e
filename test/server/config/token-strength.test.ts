// The one rule for ADMIN_TOKEN and CONVERSIONS_TOKEN: random tokens of 32+ characters pass (what
// `visitor-offers gen-token` prints, and 32 random hex digits, 128 bits); the plainly guessable
// shapes are refused with a message that says why and never holds the token.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { COMMANDS } from '../../../server/cli/commands';
import { MIN_TOKEN_LENGTH, tokenWeakness } from '../../../server/config/token-strength';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('tokenWeakness', () => {
  it('passes what `visitor-offers gen-token` prints', async () => {
    const printed: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void printed.push(String(line)));
    for (let i = 0; i < 20; i++) expect(await COMMANDS['gen-token']?.run([], {})).toBe(0);
    expect(printed).toHaveLength(20);
    for (const token of printed) expect(tokenWeakness(token), token).toBeNull();
  });

  it('passes random tokens of exactly 128 bits (32 hex digits) and other random alphabets', () => {
    for (let i = 0; i < 200; i++) {
      expect(tokenWeakness(randomBytes(16).toString('hex'))).toBeNull();
      expect(tokenWeakness(randomBytes(24).toString('base64'))).toBeNull();
    }
  });

  it.each([
    ['16 × "a" (accepted before)', 'a'.repeat(16), /^is too short: at least 32 characters \(got 16\); `visitor-offers gen-token` prints a good one$/],
    ['31 random characters', randomBytes(16).toString('hex').slice(0, 31), /^is too short: at least 32 characters \(got 31\)/],
    ['one character repeated', 'x'.repeat(64), /^is too easy to guess: only 1 different character \(at least 8\)/],
    ['two characters alternating', 'ab'.repeat(20), /^is too easy to guess: only 2 different characters/],
    ['seven digits over and over, shuffled', '1234567'.repeat(3) + '7654321'.repeat(2), /^is too easy to guess: only 7 different characters/],
    ['a short piece four times', 'Kx7-Qp2!'.repeat(4), /^is too easy to guess: a short piece repeated/],
    ['0–9 four times, cut', '0123456789'.repeat(4).slice(0, 35), /^is too easy to guess: a short piece repeated/],
    ['half a token twice', 'f3A9-kQ2_zP8&mW1'.repeat(2), /^is too easy to guess: a short piece repeated/],
    ['a space inside', 'correct horse battery staple 2024', /^must be printable ASCII without spaces/],
    ['a letter outside ASCII', `${randomBytes(16).toString('hex')}é`, /^must be printable ASCII without spaces/],
  ])('refuses %s, saying why without the token', (_label, token, problem) => {
    const message = tokenWeakness(token);
    expect(message).toMatch(problem);
    expect(message).not.toContain(token);
  });

  it(`needs the whole token: a piece repeated less than twice over ${MIN_TOKEN_LENGTH}+ characters is fine`, () => {
    // Repeated once and a little: "abcdefghijklmnopqrst" + "abcdefghijklm": the period is 20 of 33.
    expect(tokenWeakness('abcdefghijklmnopqrstabcdefghijklm')).toBeNull();
  });
});
