import type { ConcurrentOperation, Operation } from './operations.ts';

/** One function of a generated kernel, in address order. */
export interface ScenarioFunction {
  readonly name: string;
  readonly padded: boolean;
  /** the previous function's last bytes, directly before an unpadded entry (what a false exist() reads) */
  readonly tail?: readonly number[];
  /**
   * x86 CONFIG_CFI_CLANG: clang gave it a `__cfi_` preamble (it is in `.cfi_sites`, FineIBT rewrites
   * it). Absent = true; false = a static whose address is never taken (all-NOP padding, spec §4.4 X5).
   */
  readonly cfi?: boolean;
  /** the destination of a direct call callthunks patches (a thunk where thunks are active). Absent = true. */
  readonly directCallDest?: boolean;
  /**
   * x86 FINEIBT_BHI: its argument count, 0..7 (kCFI-arity's register; the preamble tail FineIBT
   * writes by it). Absent = 2, as int add(int, int).
   */
  readonly arity?: number;
}

/** The kernel a scenario boots, the same for both drivers: replaying the same setup gives the same bytes. */
export interface Setup {
  readonly config: string;
  /** ENTRIES_PER_PAGE; the page size handed to the implementation is this × sizeof its struct kfunc_md */
  readonly entriesPerPage: number;
  /** MAX_PAGE_ORDER */
  readonly maxOrder: number;
  /** x86 text_poke store order of the 5 instruction bytes (ignored on arm64: one word store); ascending when absent */
  readonly pokeByteOrder?: readonly number[];
  readonly functions: readonly ScenarioFunction[];
}

/** The sequential suites, by name (their generators live with the sequential driver). */
export const SUITE_NAMES = [
  'contract',
  'alloc-failure',
  'double-put',
  'foreign-bytes',
  'forged-insn',
  'unpadded',
  'put-under-lock',
  'lock-misuse',
  'stale-md',
] as const;
export type SuiteName = (typeof SUITE_NAMES)[number];

/** A sequential scenario: one caller issues `commands` in order. */
export interface SequentialScenario extends Setup {
  readonly suite: SuiteName;
  readonly commands: readonly Operation[];
}

/** How the CPUs are interleaved; every variant is data, so schedules shrink and replay. */
export type ScheduleSpec =
  /** run CPU (cpu mod CPUs) for `steps` scheduling points per segment (less if it blocks or ends); afterwards no preemption */
  | { readonly kind: 'segments'; readonly segments: readonly { readonly cpu: number; readonly steps: number }[] }
  /**
   * PCT: the highest-priority runnable CPU runs; change points are per mille of the programs'
   * estimated scheduling points, and at the i-th the CPU about to run drops to -(i+1)
   */
  | { readonly kind: 'pct'; readonly priorities: readonly number[]; readonly changePoints: readonly number[] }
  /** an explicit decision list (from the exhaustive search): the CPU taken at each scheduling decision */
  | { readonly kind: 'trace'; readonly decisions: readonly number[] };

export type StrategyName = 'random' | 'pct' | 'exhaustive';

/** A concurrent scenario: what each simulated CPU runs, and how the CPUs are scheduled. */
export interface ConcurrentScenario extends Setup {
  readonly pokeByteOrder: readonly number[];
  /** programs[cpu] = the operations CPU `cpu` runs, in order */
  readonly programs: readonly (readonly ConcurrentOperation[])[];
  readonly schedule: ScheduleSpec;
}

export type Scenario = SequentialScenario | ConcurrentScenario;

export const ASCENDING: readonly number[] = [0, 1, 2, 3, 4];

/** Default sequential sizes: small pages and a low maximum order so that growth and its limit show up in short runs. */
export const SUITE_GEOMETRY = { entriesPerPage: 2, maxOrder: 1 } as const;

export function isSequential(s: Scenario): s is SequentialScenario {
  return 'commands' in s;
}

export function opCount(s: Pick<ConcurrentScenario, 'programs'>): number {
  return s.programs.reduce((n, p) => n + p.length, 0);
}

/** CPUs that have something to run (a shrunk program may leave empty ones). */
export function cpuCount(s: Pick<ConcurrentScenario, 'programs'>): number {
  return s.programs.filter((p) => p.length > 0).length;
}

export function describeSchedule(s: ScheduleSpec): string {
  switch (s.kind) {
    case 'segments':
      return s.segments.length === 0
        ? 'no preemption'
        : `segments ${s.segments.map((g) => `cpu${g.cpu}×${g.steps}`).join(' ')}, then none`;
    case 'pct':
      return `pct: priorities [${s.priorities.join(', ')}], change points at [${s.changePoints.map((p) => `${p}‰`).join(', ')}] of the estimated points`;
    case 'trace':
      return `trace: ${s.decisions.length} decisions`;
  }
}

const nat = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0;

export function isSchedule(v: unknown): v is ScheduleSpec {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  const arr = (k: string) => (Array.isArray(s[k]) ? (s[k] as unknown[]) : null);
  switch (s['kind']) {
    case 'segments':
      return (
        arr('segments')?.every(
          (g) =>
            typeof g === 'object' &&
            g !== null &&
            nat((g as Record<string, unknown>)['cpu']) &&
            nat((g as Record<string, unknown>)['steps']),
        ) ?? false
      );
    case 'pct':
      return (arr('priorities')?.every(nat) ?? false) && (arr('changePoints')?.every(nat) ?? false);
    case 'trace':
      return arr('decisions')?.every(nat) ?? false;
    default:
      return false;
  }
}
