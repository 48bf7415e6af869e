// CSV cells for a spreadsheet: nothing a person opens runs as a formula, and every value comes back
// as it was (RFC 4180 quoting; a formula-like text behind a leading ').
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell, csvRow } from '../../../server/leads/csv';

/** What a spreadsheet reads from one cell: the quotes undone (the cell as written, no separators inside). */
function unquote(cell: string): string {
  return cell.startsWith('"') ? cell.slice(1, -1).replaceAll('""', '"') : cell;
}

const FORMULA = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;

describe('csvCell', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","click")', `"'=HYPERLINK(""http://evil.example"",""click"")"`],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['=1+1@example.com', "'=1+1@example.com"],
    ['\t=cmd', "'\t=cmd"],
    ['\r=cmd', `"'\r=cmd"`],
    ['＝1+1', "'＝1+1"],
    ['ann@example.com', 'ann@example.com'],
    ['Lee, Ann', '"Lee, Ann"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['', ''],
  ])('%j → %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('writes numbers as numbers (a negative one stays a number) and nothing for null, undefined, NaN', () => {
    expect([csvCell(-5), csvCell(49.9), csvCell(0), csvCell(null), csvCell(undefined), csvCell(Number.NaN), csvCell(Infinity)]).toEqual(['-5', '49.9', '0', '', '', '', '']);
  });

  it('for any text: the spreadsheet never sees a formula, and the value comes back whole', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', ',', '"', 'a', ' ', '＝') }));
    fc.assert(
      fc.property(text, (value) => {
        const seen = unquote(csvCell(value));
        expect(seen).not.toMatch(FORMULA);
        expect(FORMULA.test(value) ? seen.slice(1) : seen).toBe(value);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('csvRow', () => {
  it('joins cells with commas and ends with CRLF', () => {
    expect(csvRow(['2026-03-02T10:00:00.000Z', '=evil()', 'guide', null, 3])).toBe("2026-03-02T10:00:00.000Z,'=evil(),guide,,3\r\n");
  });
});
