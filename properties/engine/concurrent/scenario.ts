import type { ScenarioFunction } from '../core/scenario.ts';

/**
 * A concurrent scenario as plain JSON data: the kernel, what each simulated CPU runs, and how
 * the CPUs are scheduled. fast-check generates all of it, shrinks all of it together, and a
 * counterexample file stores it so `kfmd replay` can run it again step for step.
 */
export type ConcOp =
  /** kfunc_md_lock(); md = kfunc_md_get(fn); kfunc_md_unlock(); — one operation, the kernel contract */
  | { readonly op: 'get'; readonly fn: string }
  /** kfunc_md_put(md) with the md this CPU got from its latest get of fn (skipped if it holds none) */
  | { readonly op: 'put'; readonly fn: string }
  /** kfunc_md_put_by_ip(fn), dropping one of this CPU's references (skipped if it holds none) */
  | { readonly op: 'put_by_ip'; readonly fn: string }
  /** the global trampoline: [rcu_read_lock;] find(fn); md->users; md->func [; rcu_read_unlock] */
  | { readonly op: 'tramp'; readonly fn: string; readonly rcu: boolean };

export type ConcOpKind = ConcOp['op'];

/** How the CPUs are interleaved; every variant is data, so schedules shrink and replay. */
export type ScheduleSpec =
  /** run CPU (cpu mod CPUs) for `steps` scheduling points per segment (less if it blocks or ends); afterwards no preemption */
  | { readonly kind: 'segments'; readonly segments: readonly { readonly cpu: number; readonly steps: number }[] }
  /**
   * PCT: the highest-priority runnable CPU runs; change points are per mille of the programs'
   * estimated scheduling points (schedulers.ts), and at the i-th the CPU about to run drops to -(i+1)
   */
  | { readonly kind: 'pct'; readonly priorities: readonly number[]; readonly changePoints: readonly number[] }
  /** an explicit decision list (from the exhaustive search): the CPU taken at each scheduling decision */
  | { readonly kind: 'trace'; readonly decisions: readonly number[] };

export type StrategyName = 'random' | 'pct' | 'exhaustive';

export interface ConcScenario {
  readonly config: string;
  readonly entriesPerPage: number;
  readonly maxOrder: number;
  /** x86 text_poke store order of the 5 instruction bytes (ignored on arm64: one word store) */
  readonly pokeByteOrder: readonly number[];
  readonly functions: readonly ScenarioFunction[];
  /** programs[cpu] = the operations CPU `cpu` runs, in order */
  readonly programs: readonly (readonly ConcOp[])[];
  readonly schedule: ScheduleSpec;
}

export const ASCENDING: readonly number[] = [0, 1, 2, 3, 4];

export function describeOp(op: ConcOp): string {
  switch (op.op) {
    case 'get':
      return `get(${op.fn})`;
    case 'put':
      return `put(md_${op.fn})`;
    case 'put_by_ip':
      return `put_by_ip(${op.fn})`;
    case 'tramp':
      return `tramp(${op.fn}${op.rcu ? ', rcu' : ''})`;
  }
}

export function opCount(s: Pick<ConcScenario, 'programs'>): number {
  return s.programs.reduce((n, p) => n + p.length, 0);
}

/** CPUs that have something to run (a shrunk program may leave empty ones). */
export function cpuCount(s: Pick<ConcScenario, 'programs'>): number {
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

export function isConcOp(v: unknown): v is ConcOp {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  if (typeof o['fn'] !== 'string') return false;
  if (o['op'] === 'tramp') return typeof o['rcu'] === 'boolean';
  return o['op'] === 'get' || o['op'] === 'put' || o['op'] === 'put_by_ip';
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
