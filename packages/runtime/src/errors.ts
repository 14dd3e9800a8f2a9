/**
 * The base of every typed error in honnin. `code` is stable (documented, safe to
 * match on); `message` is for people and may change. `status` is the HTTP status
 * a server answers with when the error escapes a route.
 */
export class HonninError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: string,
    message: string,
    options: { status?: number; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 400;
    this.details = options.details;
  }

  toJSON(): { error: string; message: string; details?: Readonly<Record<string, unknown>> } {
    return this.details
      ? { error: this.code, message: this.message, details: this.details }
      : { error: this.code, message: this.message };
  }
}

/** Configuration that cannot be used; raised at start with every problem listed. */
export class ConfigError extends HonninError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('config_invalid', `invalid configuration:\n  - ${problems.join('\n  - ')}`, { status: 500 });
    this.problems = problems;
  }
}
