/** Why a stage said "no", or why a rule shaped the answer. Codes are stable; metrics use them. */
export interface Reason {
  /** Stable machine code, e.g. `DEPEG_STOP`, `GAIN_BELOW_COST`, `PAUSED`. */
  readonly code: string;
  /** Human sentence; no secrets. */
  readonly message: string;
  /** The source it concerns, when it concerns one. */
  readonly sourceId?: string;
  /** The measured value and the limit it was held against, when there is one. */
  readonly value?: number;
  readonly limit?: number;
  /** `info` shapes the answer, `warn` alerts, `halt` stops the tick. */
  readonly severity: "info" | "warn" | "halt";
}

/** Shorthand for building a reason. */
export function reason(
  code: string,
  message: string,
  extra: Omit<Reason, "code" | "message" | "severity"> & { severity?: Reason["severity"] } = {},
): Reason {
  return { code, message, severity: extra.severity ?? "info", ...extra };
}
