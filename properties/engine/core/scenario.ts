import type { SuiteName } from '../sequential/suites.ts';
import type { Command } from './operations.ts';

/** One function of a generated kernel, in address order. */
export interface ScenarioFunction {
  readonly name: string;
  readonly padded: boolean;
  /** the previous function's last bytes, directly before an unpadded entry (what a false exist() reads) */
  readonly tail?: readonly number[];
}

/** Everything a run needs: replaying the same scenario gives the same bytes. */
export interface Scenario {
  readonly config: string;
  readonly suite: SuiteName;
  /** ENTRIES_PER_PAGE; the page size handed to the implementation is 16 × this */
  readonly entriesPerPage: number;
  readonly maxOrder: number;
  readonly functions: readonly ScenarioFunction[];
  readonly commands: readonly Command[];
}

/** Default sizes: small pages and a low maximum order so that growth and its limit show up in short runs. */
export const SUITE_GEOMETRY = { entriesPerPage: 2, maxOrder: 1 } as const;
