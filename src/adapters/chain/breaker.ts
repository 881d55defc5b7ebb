/** Circuit-breaker states: closed lets everything through, open rejects, half-open lets one probe through. */
export type BreakerState = "closed" | "open" | "half-open";

/**
 * A per-endpoint circuit breaker: opens after `threshold` consecutive failures, rejects for `cooldownMs`,
 * then lets one probe through; the probe's outcome closes or re-opens it.
 */
export class CircuitBreaker {
  private readonly opts: { threshold: number; cooldownMs: number; now: () => number };
  private readonly onChange: (open: boolean) => void;
  private failures = 0;
  private openedAt: number | undefined;
  private probing = false;

  constructor(
    opts: { threshold: number; cooldownMs: number; now: () => number },
    onChange: (open: boolean) => void = () => {},
  ) {
    this.opts = opts;
    this.onChange = onChange;
  }

  /** The current state (moves open → half-open once the cooldown has passed). */
  get state(): BreakerState {
    if (this.openedAt === undefined) return "closed";
    return this.opts.now() - this.openedAt >= this.opts.cooldownMs ? "half-open" : "open";
  }

  /** Whether a request may go to this endpoint now; in half-open only one probe at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === "closed") return true;
    if (state === "open" || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** Records a successful attempt. */
  success(): void {
    this.failures = 0;
    this.probing = false;
    if (this.openedAt !== undefined) {
      this.openedAt = undefined;
      this.onChange(false);
    }
  }

  /** Records a failed attempt. */
  failure(): void {
    this.failures += 1;
    const wasProbe = this.probing;
    this.probing = false;
    if (wasProbe || (this.openedAt === undefined && this.failures >= this.opts.threshold)) {
      const wasOpen = this.openedAt !== undefined;
      this.openedAt = this.opts.now();
      if (!wasOpen) this.onChange(true);
    }
  }

  /** Releases a half-open probe slot without a verdict (the request was aborted). */
  release(): void {
    this.probing = false;
  }
}
