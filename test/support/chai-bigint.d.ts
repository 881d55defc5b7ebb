// Chai 5 compares bigints at runtime (above/below/least/most/closeTo); @types/chai only declares numbers.
export {};

declare global {
  namespace Chai {
    interface NumberComparer {
      (value: bigint, message?: string): Assertion;
    }
    interface CloseTo {
      (expected: bigint, delta: bigint, message?: string): Assertion;
    }
  }
}
