/** Process exit codes (sysexits-style): the contract with systemd and wrappers. */
export const ExitCode = {
  ok: 0,
  /** Bad input or configuration: retrying will not help. */
  badInput: 1,
  /** Wrong usage of the command line. */
  usage: 2,
  /** Temporary failure (EX_TEMPFAIL): retrying later may succeed. */
  tempFail: 75,
} as const;

/** Context carried by a coded error; must never hold secrets. */
export type ErrorContext = Record<string, string | number | boolean | null | undefined>;

/**
 * A failure with a stable code, a retryable flag and context. Expected "no" answers are
 * results (see `Halt`), never errors.
 */
export class KeelError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly context: ErrorContext;

  constructor(
    code: string,
    message: string,
    opts: { retryable?: boolean; context?: ErrorContext; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "KeelError";
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.context = opts.context ?? {};
  }
}

/** A configuration problem: exit 1, never retried. */
export class ConfigError extends KeelError {
  readonly issues: readonly { path: string; message: string }[];
  constructor(message: string, issues: readonly { path: string; message: string }[] = []) {
    super("CONFIG_INVALID", message, { retryable: false });
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/** Maps any thrown value to the exit code the process should end with. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof KeelError) return err.retryable ? ExitCode.tempFail : ExitCode.badInput;
  return ExitCode.tempFail;
}

/** Serialises an error (and its cause chain) for a journal record or a log line. */
export function describeError(err: unknown): { code: string; message: string; retryable: boolean } {
  if (err instanceof KeelError) return { code: err.code, message: err.message, retryable: err.retryable };
  if (err instanceof Error) return { code: "UNEXPECTED", message: err.message, retryable: true };
  return { code: "UNEXPECTED", message: String(err), retryable: true };
}
