import type { Mode } from './checks.ts';
import type { SuiteName } from './scenario.ts';
import type { Violation } from './violation.ts';

/** What a finding's classifier may look at besides the violation itself: never its message. */
export interface FindingContext {
  readonly mode: Mode;
  /** sequential: the suite whose generator made the scenario */
  readonly suite?: SuiteName;
  /** the function of the operation at which the violation was seen */
  readonly fnAt: string | null;
  /** functions of the scenario without padding */
  readonly unpadded: ReadonlySet<string>;
  /** the implementation's name: a later design's own defects are named for it (spec §8) */
  readonly impl?: string;
}

/**
 * Names for the known defects (spec §7, §6). The checks are generic; this catalogue only labels
 * what they find, so a report can say "D3" instead of "I2 violated". It is ordered: the first
 * entry whose classifier matches names the violation; one no entry matches is reported as new.
 */
export interface Finding {
  readonly id: string;
  readonly title: string;
  readonly modes: readonly Mode[];
  matches(v: Violation, ctx: FindingContext): boolean;
}

const KFUNC_MD_MUTEX = 'kfunc_md_mutex';
const d = (v: Violation) => v.detail ?? {};
const isPut = (v: Violation): boolean => d(v).op === 'put' || d(v).op === 'put_by_ip';

const wild = (v: Violation): boolean => v.check === 'I5' && d(v).memory?.endsWith('-unmapped') === true;

/** Defects of the later designs (spec §8), checked before v4's catalogue for that design only. */
const LATER_DESIGNS: readonly Finding[] = [
  {
    id: 'M25-poke',
    title:
      'may25 x86: text_poke(ip, insn, insn_offset) copies insn_offset bytes from a 5-byte buffer: stack garbage over the padding before the window (spec §4.5)',
    modes: ['sequential', 'concurrent'],
    matches: (v, ctx) => ctx.impl === 'may25' && v.check === 'I6',
  },
  {
    id: 'M25-offsets',
    title:
      'may25 x86: kfunc_md_arch_support() WARNs and returns true without setting the offsets: the md window is the function entry itself (spec §4.5)',
    modes: ['sequential'],
    matches: (v, ctx) => ctx.impl === 'may25' && v.at === -1 && (v.check === 'window' || v.check === 'I7'),
  },
  {
    id: 'M25-bound',
    title:
      'may25: no bound check in get_noref: a torn, foreign or forged index becomes an md pointer outside the array (spec §8.1, D7)',
    modes: ['sequential', 'concurrent'],
    matches: (v, ctx) => ctx.impl === 'may25' && wild(v) && d(v).op !== 'put',
  },
  {
    id: 'M25-init',
    title:
      'may25: create() after a failed percpu_ref_init returns NULL with kfunc_md_used already incremented (spec §8.1)',
    modes: ['sequential'],
    matches: (v, ctx) =>
      ctx.impl === 'may25' &&
      ctx.suite === 'alloc-failure' &&
      (v.check === 'I2' || (v.check === 'state' && d(v).field === 'used')),
  },
  {
    id: 'M25-stale',
    title:
      "may25: growth copies every md into the new array and keeps the old one until its release steps: a caller's md pointer from before the growth names the old copy, and a put through it changes a count nobody reads (spec §8.1)",
    modes: ['concurrent'],
    matches: (v, ctx) => ctx.impl === 'may25' && v.check === 'linearizability' && d(v).stalePut === true,
  },
  {
    id: 'J25-resize-enomem',
    title:
      'jul25: create() grows the table before it looks ip up: a failed resize allocation fails the get of a function that already has an md (spec §8.2)',
    modes: ['sequential'],
    matches: (v, ctx) => ctx.impl === 'jul25' && ctx.suite === 'alloc-failure' && v.check === 'result',
  },
  {
    id: 'J25-resize-miss',
    title:
      'jul25: a lookup during a resize walks an old chain that the resize unlinks: it misses an md that exists throughout (spec §8.2)',
    modes: ['concurrent'],
    matches: (v, ctx) => ctx.impl === 'jul25' && v.check === 'linearizability' && d(v).lookupMissed === true,
  },
  {
    id: 'J25-stale',
    title:
      "jul25: a resize re-creates every md at a new address and kills the old ones: a caller's md pointer from before the resize is stale (spec §8.2)",
    modes: ['sequential', 'concurrent'],
    // a put through the stale pointer touches the old copy: freed memory, or a live copy whose count it corrupts
    matches: (v, ctx) =>
      ctx.impl === 'jul25' && (ctx.mode === 'sequential' ? ctx.suite === 'stale-md' : v.check === 'I5' && isPut(v)),
  },
];

export const FINDINGS: readonly Finding[] = [
  {
    id: 'D10',
    title: 'lock contract: put/put_by_ip take kfunc_md_mutex themselves, so calling them with it held self-deadlocks',
    modes: ['sequential', 'concurrent'],
    matches: (v, ctx) =>
      (v.check === 'contract' && d(v).contract === 'self-deadlock') ||
      (v.check === 'deadlock' && d(v).lock === KFUNC_MD_MUTEX && ctx.suite !== 'contract') ||
      (v.check === 'I9' && d(v).lock === KFUNC_MD_MUTEX),
  },
  {
    id: 'D10u',
    title: 'lock contract unchecked: get without kfunc_md_mutex (a data race), unlock without holding it',
    modes: ['sequential'],
    matches: (v) => v.check === 'contract' && d(v).contract === 'misuse',
  },
  {
    id: 'D12',
    title:
      'case C, Kconfig reading, FineIBT: the md window overlaps the FineIBT preamble, so get fails with -EBUSY on every function with a kCFI preamble (all but non-address-taken statics, which FineIBT leaves alone)',
    modes: ['sequential'],
    matches: (v) => v.check === 'I7',
  },
  {
    id: 'D13',
    title:
      'arm64 ftrace_call_adjust skips the metadata words after the BTI probe: on BTI kernels the BL site is ip+4 (the first ftrace NOP) instead of ip+8, and with CALL_OPS the probe reads the ops literal (spec §5)',
    modes: ['sequential'],
    matches: (v) => v.check === 'I10',
  },
  {
    id: 'D3',
    title: 'used-counter leak: __put skips used-- when exist() is false after a foreign write (then needless growth)',
    modes: ['sequential'],
    matches: (v, ctx) =>
      ctx.suite === 'foreign-bytes' && (v.check === 'I2' || (v.check === 'state' && d(v).field === 'used')),
  },
  {
    id: 'D8',
    title: "false-positive exist() on a function without padding: another function's md, or a WARN",
    modes: ['sequential'],
    matches: (_v, ctx) => ctx.mode === 'sequential' && ctx.fnAt !== null && ctx.unpadded.has(ctx.fnAt),
  },
  {
    id: 'D6',
    title: 'md pointer held across growth: put(md) touches the freed array',
    modes: ['sequential', 'concurrent'],
    matches: (v, ctx) => v.check === 'I5' && (ctx.mode === 'sequential' ? ctx.suite === 'stale-md' : isPut(v)),
  },
  {
    id: 'D8b',
    title: 'false-positive exist() on a forged instruction: find/get trust any B8 / non-NOP word (no md->func check)',
    modes: ['sequential'],
    // on arm64 every non-NOP word reads as an index, so plain foreign code in a window is a forged index too
    matches: (v, ctx) => ctx.suite === 'forged-insn' || (ctx.suite === 'foreign-bytes' && v.check === 'result'),
  },
  {
    id: 'D3b',
    title: 'restore overwrites foreign bytes: __put pokes NOPs over a window someone else rewrote',
    modes: ['sequential'],
    matches: (v, ctx) => ctx.suite === 'foreign-bytes' && v.check === 'window',
  },
  {
    id: 'D1',
    title:
      "slot reuse without a grace period: a reader holding an index sees a released or reused entry (another function's md)",
    modes: ['concurrent'],
    // a released or reused entry: users >= 0 (an entry nobody initialised is another bug)
    matches: (v, ctx) =>
      ctx.mode === 'concurrent' && v.check === 'I1' && d(v).getInFlight !== true && d(v).uninitialised !== true,
  },
  {
    id: 'D2',
    title: 'md->func published after the instruction: a reader sees the new index with a stale or uninitialised func',
    modes: ['concurrent'],
    matches: (v, ctx) => ctx.mode === 'concurrent' && v.check === 'I1' && d(v).getInFlight === true,
  },
  {
    id: 'D7-warn',
    title: "torn x86 5-byte text_poke: a reader decodes a half-written index, caught by find's bound check (WARN)",
    modes: ['concurrent'],
    matches: (v) => v.check === 'warn' && d(v).site === 'find-bound' && d(v).torn === true,
  },
  {
    id: 'D16',
    title:
      "find() reads the padding twice (exist(), then get_index): a put between the loads restores NOPs, and the second load's NOP word or bytes become an index",
    modes: ['concurrent'],
    matches: (v) =>
      d(v).reread === true &&
      d(v).torn !== true &&
      ((v.check === 'warn' && d(v).site === 'find-bound') || v.check === 'I8'),
  },
  {
    id: 'D7-index',
    title: 'torn x86 5-byte text_poke: a reader decodes a half-written index below the capacity (a wrong md, silently)',
    modes: ['concurrent'],
    matches: (v) => v.check === 'I8',
  },
  {
    id: 'NORCU',
    title: 'global trampoline without rcu_read_lock: it reads the array that growth freed (spec §6, I4)',
    modes: ['concurrent'],
    matches: (v, ctx) => ctx.mode === 'concurrent' && v.check === 'I5' && d(v).op === 'tramp' && d(v).rcu === false,
  },
];

export function classify(v: Violation | null, ctx: FindingContext): Finding | null {
  if (!v) return null;
  const impl = ctx.impl ?? v.detail?.impl;
  const on: FindingContext = impl === undefined ? ctx : { ...ctx, impl };
  const named = (f: Finding): boolean => f.modes.includes(on.mode) && f.matches(v, on);
  return LATER_DESIGNS.find(named) ?? FINDINGS.find(named) ?? null;
}

export function findingById(id: string): Finding | undefined {
  return [...LATER_DESIGNS, ...FINDINGS].find((f) => f.id === id);
}

/** Every finding kfmd names: the later designs' and v4's (spec §7, §8). */
export const ALL_FINDINGS: readonly Finding[] = [...LATER_DESIGNS, ...FINDINGS];
