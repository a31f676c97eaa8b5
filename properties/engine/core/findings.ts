import type { Execution } from '../sequential/executor.ts';

/**
 * Names for the known defects of the seed design (spec §7). The properties are
 * generic; this table only labels what they find, so a report can say "D3"
 * instead of "I2 violated". A violation no entry matches is reported as new.
 */
export interface KnownDefect {
  readonly id: string;
  readonly title: string;
  matches(ex: Execution): boolean;
}

const unpaddedNames = (ex: Execution): Set<string> =>
  new Set(ex.scenario.functions.filter((f) => !f.padded).map((f) => f.name));

export const KNOWN_DEFECTS: readonly KnownDefect[] = [
  {
    id: 'D10',
    title: 'lock contract: put/put_by_ip take kfunc_md_mutex themselves, so calling them with it held self-deadlocks',
    matches: (ex) =>
      (ex.violation?.check === 'contract' && ex.violation.message.includes('self-deadlock')) ||
      (ex.violation?.check === 'deadlock' && ex.scenario.suite !== 'contract'),
  },
  {
    id: 'D10u',
    title: 'lock contract unchecked: get without kfunc_md_mutex (a data race), unlock without holding it',
    matches: (ex) => ex.violation?.check === 'contract',
  },
  {
    id: 'D12',
    title: 'case C, Kconfig reading, FineIBT: the md window overlaps the FineIBT preamble, every get fails with -EBUSY',
    matches: (ex) => ex.violation?.check === 'I7',
  },
  {
    id: 'D3',
    title: 'used-counter leak: __put skips used-- when exist() is false after a foreign write (then needless growth)',
    matches: (ex) =>
      ex.scenario.suite === 'foreign-bytes' &&
      (ex.violation?.check === 'I2' || (ex.violation?.check === 'state' && ex.violation.message.includes('used'))),
  },
  {
    id: 'D8',
    title: "false-positive exist() on a function without padding: another function's md, or a WARN",
    matches: (ex) => {
      const v = ex.violation;
      if (!v) return false;
      const cmd = ex.executed[v.at];
      return cmd !== undefined && 'fn' in cmd && unpaddedNames(ex).has(cmd.fn);
    },
  },
  {
    id: 'D6',
    title: 'md pointer held across growth: put(md) touches the freed array',
    matches: (ex) => ex.scenario.suite === 'stale-md' && ex.violation?.check === 'I5',
  },
  {
    id: 'D8b',
    title: 'false-positive exist() on a forged instruction: find/get trust any B8 / non-NOP word (no md->func check)',
    // on arm64 every non-NOP word reads as an index, so plain foreign code in a window is a forged index too
    matches: (ex) =>
      ex.scenario.suite === 'forged-insn' ||
      (ex.scenario.suite === 'foreign-bytes' && ex.violation?.check === 'result'),
  },
  {
    id: 'D3b',
    title: 'restore overwrites foreign bytes: __put pokes NOPs over a window someone else rewrote',
    matches: (ex) => ex.scenario.suite === 'foreign-bytes' && ex.violation?.check === 'window',
  },
];

export function classify(ex: Execution): KnownDefect | null {
  if (!ex.violation) return null;
  return KNOWN_DEFECTS.find((d) => d.matches(ex)) ?? null;
}
