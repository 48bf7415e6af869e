// Cutting a string DataFast sent to a length we keep. `slice` alone is not enough: V8 makes the
// piece a view into the original, which then stays in memory as long as the piece does (a 256-char
// param cut from a 10 kB one kept all 10 kB alive in the cache). The piece is copied out instead.

/** `value` if it fits, else a copy of its first `max` UTF-16 units that holds nothing else alive. */
export function cut(value: string, max: number): string {
  if (value.length <= max) return value;
  return Buffer.from(value.slice(0, max), 'utf16le').toString('utf16le');
}
