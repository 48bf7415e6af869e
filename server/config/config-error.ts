// The error for a bad or missing setting: one line that names the place (an option, an
// environment variable, or a place inside the offers file), then the problem.

/** One problem, at one place: `rules[2].when.scoreBelow` + `expected number, got string "40"`. */
export interface Problem {
  /** An option path, an environment variable, or a place in the offers file. */
  readonly place: string;
  /** What is wrong there, and what was expected. */
  readonly problem: string;
}

/**
 * A bad or missing setting, thrown when a router is created (or an offers file is read): the
 * message is one line naming the first problem's place; `problems` lists every one found.
 */
export class ConfigError extends Error {
  /** Every problem found, the first of which is the message. */
  readonly problems: readonly Problem[];

  constructor(
    /** Where: an option path (`datafast.apiUrl`), an env name (`DATAFAST_API_URL`), or a file place. */
    readonly setting: string,
    readonly problem: string,
    /** The file the place is in (`OFFERS_CONFIG`'s path), when it is in one. */
    readonly file?: string,
    problems?: readonly Problem[],
  ) {
    super(line(file, setting, problem));
    this.name = 'ConfigError';
    this.problems = problems && problems.length > 0 ? problems : [{ place: setting, problem }];
  }

  /** The first of several problems, keeping the rest for whoever lists them all (`visitor-offers check`). */
  static of(problems: readonly Problem[], file?: string): ConfigError {
    const [first] = problems;
    if (first === undefined) throw new Error('ConfigError.of needs at least one problem');
    return new ConfigError(first.place, first.problem, file, problems);
  }

  /** The same problems, named from an outer place (`decisions.` + `thresholds`). */
  under(prefix: string): ConfigError {
    const moved = this.problems.map((p) => ({ place: `${prefix}${p.place}`, problem: p.problem }));
    return ConfigError.of(moved, this.file);
  }

  /** The same problems, found in `file`. */
  in(file: string): ConfigError {
    return ConfigError.of(this.problems, file);
  }

  /** Each problem as its own line, for a command that lists them all. */
  lines(): string[] {
    return this.problems.map((p) => line(this.file, p.place, p.problem));
  }
}

/** `file: place: problem`, leaving out what is empty (a file that cannot be read has no place in it). */
export function line(file: string | undefined, place: string, problem: string): string {
  return [file, place, problem].filter((part) => part !== undefined && part !== '').join(': ');
}
