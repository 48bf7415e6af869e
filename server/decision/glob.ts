// A tiny glob matcher for page paths and referrers, compiled once to an anchored RegExp. Pure.
//
//   `**`  any characters, `/` included (also none)
//   `*`   any characters except `/` (also none)
//   everything else is literal: `.`, `?`, `+`, `(`, `[` … match themselves.
//
// The whole text must match: `/pricing` does not match `/pricing/annual`, `/blog/*` does not
// match `/blog/2026/launch`, `/blog/**` does. Three or more stars in a row count as `**`.

export interface GlobOptions {
  /** Ignore letter case (hosts). Default false: paths are case-sensitive. */
  caseInsensitive?: boolean;
}

/** Compiles `pattern` to a RegExp that tests a whole string. Build it once, test it per request. */
export function compileGlob(pattern: string, options: GlobOptions = {}): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; ) {
    if (pattern[i] === '*') {
      let run = 0;
      while (pattern[i] === '*') {
        run++;
        i++;
      }
      source += run >= 2 ? '.*' : '[^/]*';
    } else {
      const next = pattern.indexOf('*', i);
      const end = next === -1 ? pattern.length : next;
      source += escapeRegExp(pattern.slice(i, end));
      i = end;
    }
  }
  // `s`: `.` also matches line breaks, so `**` really is "anything".
  return new RegExp(`^${source}$`, options.caseInsensitive ? 'is' : 's');
}

/** One-off convenience; compile once with `compileGlob` where it runs per request. */
export function globMatch(pattern: string, text: string, options?: GlobOptions): boolean {
  return compileGlob(pattern, options).test(text);
}

function escapeRegExp(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
