// Zod's validation issues turned into problems a person editing a JSON file or an options object
// can act on: the exact place (`rules[2].when.scoreBelow`), what was expected and what was found,
// a "did you mean" for a misspelt key, and never the value of a secret.
import type { z } from 'zod';
import type { Problem } from './config-error.js';

/** Keys whose values are never echoed in a message: they may be real secrets in the wrong place. */
const SECRET_KEYS = new Set(['datafast', 'postmetric', 'apiKey', 'adminToken', 'conversionsToken', 'secret', 'previousSecret', 'leadsWebhookUrl', 'apiUrl']);

interface IssueLike {
  code?: string;
  input?: unknown;
  expected?: string;
  origin?: string;
  format?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  keys?: string[];
  values?: unknown[];
  options?: unknown[];
  discriminator?: string;
  path?: readonly PropertyKey[];
}

/** Zod's messages rewritten for someone editing a JSON file; schema-level messages take precedence. */
export function friendlyMessage(raw: unknown): string | undefined {
  const iss = raw as IssueLike;
  const secret = isSecretPath(iss.path);
  // Under a secret key only the type of a string is told; numbers and the like are safe to show.
  const got = (value: unknown): string => (secret && typeof value === 'string' ? typeOf(value) : describe(value));
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return `is required (expected ${typeName(iss.expected)})`;
      return `expected ${typeName(iss.expected)}, got ${got(iss.input)}`;
    case 'too_small':
    case 'too_big': {
      const small = iss.code === 'too_small';
      const bound = small ? iss.minimum : iss.maximum;
      if (iss.origin === 'string') {
        const len = typeof iss.input === 'string' ? ` (got ${iss.input.length})` : '';
        return `must be at ${small ? 'least' : 'most'} ${bound} characters${len}`;
      }
      if (iss.origin === 'array') return `needs at ${small ? 'least' : 'most'} ${bound} item${bound === 1 ? '' : 's'}`;
      if (iss.inclusive === false) return `must be ${small ? 'above' : 'below'} ${bound}, got ${got(iss.input)}`;
      return `must be at ${small ? 'least' : 'most'} ${bound}, got ${got(iss.input)}`;
    }
    case 'invalid_value':
      return `expected one of ${(iss.values ?? []).map((v) => JSON.stringify(v)).join(', ')}, got ${got(iss.input)}`;
    case 'invalid_format':
      if (iss.format === 'url') return secret ? 'must be an http(s) URL' : `must be an http(s) URL, got ${got(iss.input)}`;
      return undefined;
    case 'invalid_union':
      if (iss.discriminator !== undefined && Array.isArray(iss.options)) {
        const input = iss.input;
        const tag = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[iss.discriminator] : undefined;
        const choices = iss.options.map((o) => JSON.stringify(o)).join(', ');
        if (input === null || typeof input !== 'object' || Array.isArray(input)) return `expected object, got ${got(input)}`;
        return tag === undefined ? `is required (one of ${choices})` : `expected one of ${choices}, got ${got(tag)}`;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** The message for keys an object does not know, with the closest known key when one is close. */
export function unknownKeysMessage(keys: readonly string[], known: readonly string[]): string {
  const named = keys.map((k) => {
    const near = closest(k, known);
    return near === null ? `"${k}"` : `"${k}" (did you mean "${near}"?)`;
  });
  return `unknown key${keys.length === 1 ? '' : 's'} ${named.join(', ')}`;
}

/** A known key within a small edit distance (typos, case), or null. */
export function closest(word: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const candidate of known) {
    if (candidate.startsWith('$')) continue;
    const other = candidate.toLowerCase();
    // A key written without its unit or suffix ("ttl" for "ttlMs") is as good as one typo.
    const prefix = lower.length >= 3 && (other.startsWith(lower) || lower.startsWith(other));
    const d = other === lower ? 0 : Math.min(editDistance(lower, other), prefix ? 1 : Infinity);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // Up to one edit per four letters: "hedline" → "headline", but not "offer" → "rules".
  return best !== null && bestDistance <= Math.max(1, Math.floor(word.length / 4)) ? best : null;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    const prev = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] as number, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/**
 * The problems of a failed parse, in reading order. A union's issue is replaced by the issues of
 * the branch that fits the input's shape (a list or a single value; a shorthand string or an
 * object), so the place and message point inside it rather than at "invalid input".
 */
export function problemsOf(error: z.ZodError, input: unknown, prefix: readonly PropertyKey[] = []): Problem[] {
  return unknownKeysFirst(flatten(error.issues, input, prefix.length, prefix)).map((issue) => ({
    place: issue.path.length > 0 ? formatPath(asWritten(input, issue.path, prefix.length)) : '(top level)',
    problem: issue.message,
  }));
}

interface FlatIssue {
  path: readonly PropertyKey[];
  message: string;
  unknownKeys?: boolean;
}

/**
 * An object's unknown keys are reported before what is missing inside it: `"hedline" (did you
 * mean "headline"?)` explains the `headline: is required` that follows.
 */
function unknownKeysFirst(issues: readonly FlatIssue[]): FlatIssue[] {
  const out: FlatIssue[] = [];
  for (const issue of issues) {
    const inside = (other: FlatIssue): boolean => issue.path.every((key, i) => other.path[i] === key);
    const at = issue.unknownKeys ? out.findIndex(inside) : -1;
    if (at === -1) out.push(issue);
    else out.splice(at, 0, issue);
  }
  return out;
}

/** `root` is the value at the first `rootDepth` keys of every path; `base` is prepended to the issues' own paths. */
function flatten(issues: readonly z.core.$ZodIssue[], root: unknown, rootDepth: number, base: readonly PropertyKey[]): FlatIssue[] {
  const out: FlatIssue[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0 && (issue as IssueLike).discriminator === undefined) {
      const branch = pickBranch(issue.errors, valueAt(root, path, rootDepth));
      if (branch) {
        out.push(...flatten(branch, root, rootDepth, path));
        continue;
      }
    }
    out.push({ path, message: issue.message, unknownKeys: issue.code === 'unrecognized_keys' });
  }
  return out;
}

/** The branch whose first issue is not about the value's basic type (it fits the input's shape). */
function pickBranch(branches: readonly (readonly z.core.$ZodIssue[])[], value: unknown): readonly z.core.$ZodIssue[] | undefined {
  const shapeMiss = (issues: readonly z.core.$ZodIssue[]): boolean =>
    issues.length > 0 && issues.every((i) => i.path.length === 0 && (i.code === 'invalid_type' || (i.code === 'invalid_value' && typeof value !== 'string')));
  return branches.find((b) => !shapeMiss(b)) ?? branches[branches.length - 1];
}

function valueAt(root: unknown, path: readonly PropertyKey[], skip: number): unknown {
  let node = root;
  for (const key of path.slice(skip)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** A single string given for a list is reported at its own place (`segment`), not as `segment[0]`. */
function asWritten(root: unknown, path: readonly PropertyKey[], skip: number): readonly PropertyKey[] {
  if (path.length === 0 || path[path.length - 1] !== 0) return path;
  const parent = valueAt(root, path.slice(0, -1), skip);
  return typeof parent === 'string' ? path.slice(0, -1) : path;
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

function isSecretPath(path: readonly PropertyKey[] | undefined): boolean {
  return path !== undefined && path.some((k) => typeof k === 'string' && SECRET_KEYS.has(k));
}

function typeName(expected: string | undefined): string {
  if (expected === 'int') return 'whole number';
  return expected ?? 'a value';
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Strings that may be a secret given in the wrong place are not echoed, wherever they are: a key
 * or token (`df_…`, `sk_live_…`), a URL with credentials, a long unbroken string.
 */
function mayBeSecret(value: string): boolean {
  return /^[A-Za-z]{2,8}_/.test(value) || /\/\/[^/\s]*@/.test(value) || (value.length >= 24 && !/\s/.test(value));
}

export function describe(value: unknown): string {
  if (typeof value === 'string' && mayBeSecret(value)) return `a string of ${value.length} characters (not shown: it may be a secret)`;
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return String(value);
  return typeOf(value);
}
