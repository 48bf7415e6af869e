// Reading the offers file: `parseOffers(object)` for offers written in code or already parsed,
// `parseOffersText(text)` for a file's text (JSON syntax errors with line and column), and
// `loadOffersFile(path)`. All three check with the one schema and throw a ConfigError naming the
// exact place, e.g. `offers.json: rules[2].when.scoreBelow: expected number, got string "40"`.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse as parseLenient, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { ConfigError, type Problem } from './config-error.js';
import { friendlyMessage, problemsOf } from './messages.js';
import { normaliseOffers, type OffersConfig } from './offers-normalise.js';
import { offersFileSchema } from './offers-schema.js';

/** How offers given as an object or text are read. */
export interface ParseOffersOptions {
  /** Directory that relative `codePool` paths are resolved against. Default: the working directory. */
  baseDir?: string;
}

export type OffersCheck = { ok: true; config: OffersConfig } | { ok: false; problems: Problem[] };

/** Checks offers given as a value (parsed from JSON, or written in code); never throws. */
export function checkOffers(value: unknown, options: ParseOffersOptions = {}): OffersCheck {
  const parsed = offersFileSchema.safeParse(value, { error: friendlyMessage });
  if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error, value) };
  const problems: Problem[] = [];
  const config = normaliseOffers(parsed.data, options.baseDir ?? process.cwd(), problems);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}

/**
 * Validates and normalises the offers file's content (thresholds, bySegment, offers, rules,
 * experiments) given as an object. The result can be spread into `visitorOffers()`'s options.
 * @throws ConfigError naming the first problem's place; `problems` lists them all.
 */
export function parseOffers(value: unknown, options: ParseOffersOptions = {}): OffersConfig {
  const result = checkOffers(value, options);
  if (!result.ok) throw ConfigError.of(result.problems);
  return result.config;
}

/**
 * Validates an offers file's text. JSON syntax errors name the line and column.
 * @throws ConfigError
 */
export function parseOffersText(text: string, options: ParseOffersOptions = {}): OffersConfig {
  return parseOffers(parseJson(text), options);
}

/**
 * Reads, validates and normalises an offers file; relative `codePool` paths are resolved against
 * the file's directory. Pool files themselves are read when the router is created.
 * @throws ConfigError whose message starts with the path.
 */
export function loadOffersFile(path: string): OffersConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError('', `cannot read it (${code})`, path);
  }
  try {
    return parseOffersText(text, { baseDir: dirname(path) });
  } catch (err) {
    throw err instanceof ConfigError ? err.in(path) : err;
  }
}

/** JSON.parse, with a syntax error turned into a ConfigError at `line L, column C`. */
export function parseJson(text: string): unknown {
  // Some editors start a UTF-8 file with a byte-order mark; it is not part of the JSON.
  const json = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (json.trim() === '') throw new ConfigError('', 'the file is empty: an offers file is a JSON object, at least {}');
  try {
    return JSON.parse(json) as unknown;
  } catch (err) {
    throw syntaxError(json, err instanceof Error ? err.message : 'parse error');
  }
}

function syntaxError(text: string, fallback: string): ConfigError {
  // JSON.parse does not always say where; a tolerant parser that lists errors with offsets does.
  const errors: ParseError[] = [];
  parseLenient(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first === undefined) return new ConfigError('(JSON)', `not valid JSON (${fallback})`);
  const { line, column } = lineAndColumn(text, first.offset);
  return new ConfigError(`line ${line}, column ${column}`, `not valid JSON: ${describeSyntax(printParseErrorCode(first.error), text, first.offset)}`);
}

function describeSyntax(code: string, text: string, offset: number): string {
  const near = text.slice(offset, offset + 12).split('\n')[0] ?? '';
  const what: Record<string, string> = {
    InvalidSymbol: 'unexpected character',
    InvalidCommentToken: 'comments are not allowed in JSON',
    PropertyNameExpected: 'expected a property name in double quotes (a trailing comma?)',
    ValueExpected: 'expected a value (a trailing comma?)',
    ColonExpected: 'expected ":" after the property name',
    CommaExpected: 'expected "," between items',
    CloseBraceExpected: 'expected "}"',
    CloseBracketExpected: 'expected "]"',
    EndOfFileExpected: 'expected the end of the file',
    UnexpectedEndOfString: 'a string is not closed',
    InvalidCharacter: 'a control character inside a string (write \\n for a line break)',
    InvalidEscapeCharacter: 'an invalid escape inside a string',
  };
  const described = what[code] ?? code;
  return near === '' ? `${described}, at the end of the file` : `${described}, at ${JSON.stringify(near)}`;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return { line, column };
}
