/** The value, or an error naming what was missing: for results a caller knows are there (a failed run's counterexample, a registered name). */
export function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}`);
  return value;
}
