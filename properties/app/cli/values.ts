/**
 * Option values as the user typed them: decimal integers in documented ranges, and values echoed
 * back in an error line shortened and with control characters escaped, so that one bad argument
 * is one readable line.
 */
import { UsageError } from './errors.ts';

/** The longest part of a user's value an error line repeats. */
const SHOWN_MAX = 40;

/** A user value as an error line shows it: quoted, control characters escaped, at most 40 characters. */
export function shown(value: string): string {
  const cut = value.length > SHOWN_MAX ? `${value.slice(0, SHOWN_MAX)}…` : value;
  return JSON.stringify(cut);
}

/** A range an integer option must lie in, and why (said in the error line). */
export interface IntRange {
  readonly min: number;
  readonly max: number;
  /** e.g. 'a 64 KiB page holds 4096 entries of 16 bytes' */
  readonly why?: string;
}

/** Plain decimal: no sign but a leading minus, no leading zeros, no exponent, no hex, no "-0". */
const DECIMAL = /^(0|-?[1-9][0-9]*)$/;

/** A decimal integer within `range`, or a UsageError naming the flag, the range and the value. */
export function decimalIn(value: string, flag: string, range: IntRange): number {
  const n = DECIMAL.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max) {
    const why = range.why ? ` (${range.why})` : '';
    throw new UsageError(
      `${flag} must be a decimal integer from ${range.min} to ${range.max}${why}, got ${shown(value)}`,
    );
  }
  return n;
}
