// Small helpers for building plain objects from optional parts.

/** The object without its undefined values, so optional keys are absent rather than undefined. */
export function dropUndefined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
