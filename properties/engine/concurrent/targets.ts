import { configurationByName } from '../../../model/config/index.ts';
import { DEFAULT_GEN } from './arbitraries.ts';
import type { ConcGenOptions } from './arbitraries.ts';
import { labelOf } from './classify.ts';
import { ASCENDING } from '../core/scenario.ts';
import type { ConcRun } from './simulate.ts';

/**
 * The scenario parameters under which each v4 finding is looked for (tests, bench). They fix
 * what a kernel configuration would fix — byte order, page geometry, whether readers take
 * rcu_read_lock — never programs or schedules; `accept` only tells the search which of the
 * generic checks' findings this hunt is about.
 */
export interface FindingTarget {
  readonly id: string;
  readonly gen: ConcGenOptions;
  readonly accept: (run: ConcRun) => boolean;
}

function target(id: string, over: Partial<Omit<ConcGenOptions, 'config'>> & { config?: string } = {}): FindingTarget {
  const { config, ...rest } = over;
  return {
    id,
    gen: { ...DEFAULT_GEN, config: configurationByName(config ?? 'x86-A16'), pokeByteOrder: ASCENDING, ...rest },
    accept: (run) => labelOf(run.violation) === id,
  };
}

/** A non-ascending order: byte 1 (the index's low byte) first, the opcode last. */
export const LOW_BYTE_FIRST: readonly number[] = [1, 2, 3, 4, 0];

export const FINDING_TARGETS: readonly FindingTarget[] = [
  target('D1', { readers: 'rcu' }),
  target('D2', { readers: 'rcu' }),
  target('D6', { readers: 'rcu' }),
  target('D7-warn', { readers: 'rcu' }),
  // a torn index stays below the capacity only if the capacity exceeds 0x90: one real 4 KiB page
  target('D7-index', { readers: 'rcu', pokeByteOrder: LOW_BYTE_FIRST, entriesPerPage: 256, maxOrder: 0 }),
  target('NORCU', { readers: 'norcu' }),
  // find's two loads of the padding straddle a restore: on arm64 the NOP word itself becomes the index
  target('D16', { readers: 'rcu', config: 'arm64-md-1,1', functions: 1 }),
];

export function findingTarget(id: string): FindingTarget {
  const t = FINDING_TARGETS.find((x) => x.id === id);
  if (!t) throw new Error(`no search target for ${id}`);
  return t;
}
