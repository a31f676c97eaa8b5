/**
 * `kfmd check`'s options, validated before any work starts: every value is parsed and
 * range-checked whatever the mode, and an option the chosen mode does not read is an error naming
 * the mode (exit 2). The mode follows from --impl all, --schedule and --hunt.
 */
import type { StrategyName } from '../../engine/core/scenario.ts';
import { UsageError } from './errors.ts';
import type { CheckOptions } from './options.ts';
import { decimalIn, shown } from './values.ts';
import type { IntRange } from './values.ts';

/** sequential: the suites; concurrent: --schedule; hunt: --schedule --hunt; all: --impl all (both). */
export type CheckMode = 'sequential' | 'concurrent' | 'hunt' | 'all';

/** Each bound with the reason the error line gives. */
export const CHECK_RANGES = {
  runs: { min: 1, max: 1_000_000, why: 'a million scenarios per property is already days of checking' },
  seed: { min: -(2 ** 31), max: 2 ** 31 - 1, why: 'fast-check seeds are 32-bit' },
  entriesPerPage: {
    min: 1,
    max: 1024,
    why: 'a power of two; 1024 entries of 16 bytes fill a 16 KiB page, the most one simulated concurrent run can initialise and copy within its step limit',
  },
  preemptions: { min: 0, max: 16, why: 'past 16 the bound prunes nothing in programs of this length' },
  maxSchedules: { min: 1, max: 10_000_000, why: 'beyond, one scenario takes hours' },
  timeLimit: { min: 1, max: 86_400, why: 'seconds per race, at most a day' },
  stepBudget: { min: 1, max: 100_000_000, why: 'steps or messages per plugin operation' },
  wallBudget: { min: 1, max: 3_600_000, why: 'milliseconds per message, at most an hour' },
} as const satisfies Record<string, IntRange>;

export const NAMED_BYTE_ORDERS: Readonly<Record<string, readonly number[]>> = {
  ascending: [0, 1, 2, 3, 4],
  descending: [4, 3, 2, 1, 0],
  'low-first': [1, 2, 3, 4, 0],
};

/** --byte-order: a name, or the five digits 0..4 in some order, comma-separated. */
export function parseByteOrder(value: string): readonly number[] {
  const named = NAMED_BYTE_ORDERS[value];
  if (named) return named;
  const parts = value.split(',');
  const order = parts.map((p) => (/^[0-4]$/.test(p) ? Number(p) : NaN));
  if (order.length !== 5 || [...order].sort().join() !== '0,1,2,3,4')
    throw new UsageError(
      `--byte-order must be ascending, descending, low-first or a permutation of 0,1,2,3,4 such as 1,2,3,4,0, got ${shown(value)}`,
    );
  return order;
}

/** What kfmd check runs, every value parsed. */
export interface CheckValues {
  readonly mode: CheckMode;
  readonly seed: number;
  /** null: the mode's default */
  readonly runs: number | null;
  readonly strategy: StrategyName | null;
  readonly pokeByteOrder: readonly number[];
  readonly entriesPerPage: number;
  readonly preemptionBound: number;
  readonly maxExecutions: number;
  readonly timeLimitMs: number;
  readonly stepBudget: number;
  readonly wallBudgetMs: number;
}

/** The options a mode does not read, by commander attribute, with where each one applies. */
interface Applicability {
  readonly flag: string;
  readonly applies: (mode: CheckMode, strategy: StrategyName | null) => boolean;
  readonly where: string;
}

const concurrentHalf = (m: CheckMode): boolean => m === 'concurrent' || m === 'all';
const exhaustive = (m: CheckMode, s: StrategyName | null): boolean => concurrentHalf(m) && s === 'exhaustive';

const APPLICABILITY: Readonly<Record<string, Applicability>> = {
  suite: { flag: '--suite', applies: (m) => m === 'sequential' || m === 'all', where: 'the sequential suites' },
  faults: { flag: '--no-faults', applies: (m) => m === 'sequential' || m === 'all', where: 'the sequential suites' },
  byteOrder: { flag: '--byte-order', applies: concurrentHalf, where: 'concurrent runs (--schedule, without --hunt)' },
  entriesPerPage: {
    flag: '--entries-per-page',
    applies: concurrentHalf,
    where: 'concurrent runs (--schedule, without --hunt)',
  },
  readers: { flag: '--readers', applies: concurrentHalf, where: 'concurrent runs (--schedule, without --hunt)' },
  preemptions: { flag: '--preemptions', applies: exhaustive, where: '--schedule exhaustive' },
  maxSchedules: { flag: '--max-schedules', applies: exhaustive, where: '--schedule exhaustive' },
  timeLimit: { flag: '--time-limit', applies: (m) => m === 'hunt', where: '--hunt' },
};

const MODE_TEXT: Readonly<Record<CheckMode, string>> = {
  sequential: 'the sequential suites (no --schedule)',
  concurrent: 'a concurrent run',
  hunt: 'a --hunt',
  all: '--impl all',
};

/**
 * Every option of `kfmd check` parsed and range-checked, then the options the mode does not read
 * refused. `given` says which options the user typed (commander's value source is not 'default').
 */
export function validateCheckOptions(opts: CheckOptions, given: (attribute: string) => boolean): CheckValues {
  const strategy = opts.schedule ?? null;
  if (opts.hunt === true && strategy === null)
    throw new UsageError('--hunt needs --schedule random, pct or exhaustive');
  if (opts.hunt === true && opts.impl === 'all')
    throw new UsageError('--impl all cannot be combined with --hunt: hunt one implementation at a time');
  const mode: CheckMode =
    opts.impl === 'all' ? 'all' : strategy === null ? 'sequential' : opts.hunt ? 'hunt' : 'concurrent';
  const r = CHECK_RANGES;
  // parsed whatever the mode, so that a bad value is never accepted in silence
  const values: CheckValues = {
    mode,
    seed: decimalIn(opts.seed, '--seed', r.seed),
    runs: given('runs') ? decimalIn(opts.runs, '--runs', r.runs) : null,
    strategy,
    pokeByteOrder: parseByteOrder(opts.byteOrder),
    entriesPerPage: powerOfTwo(decimalIn(opts.entriesPerPage, '--entries-per-page', r.entriesPerPage)),
    preemptionBound: decimalIn(opts.preemptions, '--preemptions', r.preemptions),
    maxExecutions: decimalIn(opts.maxSchedules, '--max-schedules', r.maxSchedules),
    timeLimitMs: decimalIn(opts.timeLimit, '--time-limit', r.timeLimit) * 1000,
    stepBudget: decimalIn(opts.stepBudget, '--step-budget', r.stepBudget),
    wallBudgetMs: decimalIn(opts.wallBudget, '--wall-budget', r.wallBudget),
  };
  for (const [attribute, a] of Object.entries(APPLICABILITY))
    if (given(attribute) && !a.applies(mode, strategy))
      throw new UsageError(`${a.flag} applies to ${a.where}, not to ${MODE_TEXT[mode]}`);
  if (given('wallBudget') && opts.implCmd === undefined)
    throw new UsageError('--wall-budget applies to --impl-cmd only (a process implementation)');
  return values;
}

function powerOfTwo(n: number): number {
  if ((n & (n - 1)) !== 0) throw new UsageError(`--entries-per-page must be a power of two, got ${n}`);
  return n;
}
