// The error for a bad or missing setting: its message is one line that names the setting.
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    readonly problem: string,
  ) {
    super(`${setting}: ${problem}`);
    this.name = 'ConfigError';
  }

  /** The same problem, named from an outer place (`decisions.` + `thresholds`). */
  under(prefix: string): ConfigError {
    return new ConfigError(`${prefix}${this.setting}`, this.problem);
  }
}

export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
