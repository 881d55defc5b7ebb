// Chai 5 compares bigints at runtime (above/below/least/most/closeTo); @types/chai only declares numbers.
// These interfaces merge with @types/chai's.
export {};

declare global {
  namespace Chai {
    interface NumberComparer {
      (value: number | Date, message?: string): Assertion;
      (value: bigint, message?: string): Assertion;
    }
    interface CloseTo {
      (expected: number, delta: number, message?: string): Assertion;
      (expected: bigint, delta: bigint, message?: string): Assertion;
    }
  }
}
