// CSV for files a person opens in a spreadsheet: RFC 4180 quoting, and every text cell that a
// spreadsheet would run as a formula turned into plain text first, for `visitor-offers leads
// export` (export-rows.ts). POST /leads already refuses such emails; an export still escapes every
// cell, since it also holds older rows and fields that are not emails.

/**
 * What starts a formula (or a DDE payload) in Excel, LibreOffice and Google Sheets: = + - @, tab,
 * CR, LF, and the full-width = + - @ that some locales read the same way.
 */
const FORMULA_START = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;

/** A cell value: text, a number written as it is, or nothing (an empty cell). */
export type CsvValue = string | number | null | undefined;

/**
 * One cell. Text that starts like a formula gets a leading `'` (shown by the spreadsheet as text,
 * the quote hidden); text with `,`, `"`, CR or LF is quoted, its quotes doubled. A finite number
 * is written as it is (`-5` stays a number); null, undefined, NaN and infinities are empty cells.
 */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, CRLF-terminated as RFC 4180 has it. */
export function csvRow(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
