import { allConfigurations } from '../../../model/config/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import { DEFAULT_GEN } from './arbitraries.ts';
import type { ConcGenOptions } from './arbitraries.ts';
import { labelOf } from './classify.ts';
import { ASCENDING } from '../core/scenario.ts';
import type { ConcRun } from './simulate.ts';

/**
 * The scenario parameters under which each v4 finding is looked for (hunt, tests, bench). They
 * fix what a kernel configuration would fix — byte order, page geometry, whether readers take
 * rcu_read_lock — never programs or schedules; `accept` only tells the search which of the
 * generic checks' findings this hunt is about.
 */
export interface FindingTarget {
  readonly id: string;
  readonly gen: ConcGenOptions;
  readonly accept: (run: ConcRun) => boolean;
}

/** A non-ascending order: byte 1 (the index's low byte) first, the opcode last. */
export const LOW_BYTE_FIRST: readonly number[] = [1, 2, 3, 4, 0];

type Parameters = Partial<Omit<ConcGenOptions, 'config'>>;

/** One known race: its parameters, and on which configurations it can happen at all. */
interface Race {
  readonly id: string;
  readonly params: Parameters;
  /** the arch whose first configuration the default hunt searches it on */
  readonly home: Configuration['arch'];
  /** why the configuration cannot show it, or null */
  readonly absentOn: (config: Configuration) => string | null;
}

/**
 * x86 text_poke copies the 5 instruction bytes one at a time (impl/arch/x86.ts); arm64
 * patches one aligned 32-bit word (impl/arch/arm64.ts), so no reader sees a half-written one.
 */
const tornWrites = (config: Configuration): string | null =>
  config.arch === 'x86' ? null : 'arm64 writes the index in one aligned word store: no reader sees it half-written';
const anywhere = (): null => null;

const RACES: readonly Race[] = [
  { id: 'D1', params: { readers: 'rcu' }, home: 'x86', absentOn: anywhere },
  { id: 'D2', params: { readers: 'rcu' }, home: 'x86', absentOn: anywhere },
  { id: 'D6', params: { readers: 'rcu' }, home: 'x86', absentOn: anywhere },
  { id: 'D7-warn', params: { readers: 'rcu' }, home: 'x86', absentOn: tornWrites },
  // a torn index stays below the capacity only if the capacity exceeds 0x90: one real 4 KiB page
  {
    id: 'D7-index',
    params: { readers: 'rcu', pokeByteOrder: LOW_BYTE_FIRST, entriesPerPage: 256, maxOrder: 0 },
    home: 'x86',
    absentOn: tornWrites,
  },
  { id: 'NORCU', params: { readers: 'norcu' }, home: 'x86', absentOn: anywhere },
  // find's two loads of the padding straddle a restore; on arm64 the NOP word itself becomes the index
  { id: 'D16', params: { readers: 'rcu', functions: 1 }, home: 'arm64', absentOn: anywhere },
];

function target(race: Race, config: Configuration): FindingTarget {
  return {
    id: race.id,
    gen: { ...DEFAULT_GEN, config, pokeByteOrder: ASCENDING, ...race.params },
    accept: (run) => labelOf(run.violation) === race.id,
  };
}

/** The races a configuration can show, each under its own parameters on that configuration. */
export function targetsFor(config: Configuration): FindingTarget[] {
  return RACES.filter((r) => r.absentOn(config) === null).map((r) => target(r, config));
}

/** The races a configuration cannot show, and why (a hunt says so rather than search in vain). */
export function absentRaces(config: Configuration): { readonly id: string; readonly why: string }[] {
  return RACES.flatMap((r) => {
    const why = r.absentOn(config);
    return why === null ? [] : [{ id: r.id, why }];
  });
}

/**
 * Any failure that is none of the known races, under the generator's defaults (both
 * readers): the catch-all of a differential hunt, where whatever the reference shares is
 * filtered out, so what is left is the implementation's own.
 */
export function otherTarget(config: Configuration): FindingTarget {
  const ids = new Set(RACES.map((r) => r.id));
  return {
    id: 'other',
    gen: { ...DEFAULT_GEN, config, pokeByteOrder: ASCENDING, readers: 'both' },
    accept: (run) => run.violation !== null && !ids.has(labelOf(run.violation)),
  };
}

function firstOf(arch: Configuration['arch']): Configuration {
  const config = allConfigurations().find((c) => c.arch === arch);
  if (!config) throw new Error(`no ${arch} configuration`);
  return config;
}

/** The default hunt: each race once, on the first configuration of its home arch (x86-A16, arm64-md-1,1). */
export const FINDING_TARGETS: readonly FindingTarget[] = RACES.map((r) => target(r, firstOf(r.home)));

export function findingTarget(id: string): FindingTarget {
  const t = FINDING_TARGETS.find((x) => x.id === id);
  if (!t) throw new Error(`no search target for ${id}`);
  return t;
}
