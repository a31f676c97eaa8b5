import type { Declarations } from '../../../impl/contract/index.ts';
import type { Arch } from '../../../model/encoding/window.ts';

export type Mode = 'sequential' | 'concurrent';

interface CheckEntry {
  readonly name: string;
  readonly modes: readonly Mode[];
  readonly says: string;
  /** null when the check applies to an implementation that declares `d`, else why it does not */
  readonly appliesTo?: (d: Declarations) => string | null;
  /** the architectures whose configurations the check reads; every one when absent */
  readonly arches?: readonly Arch[];
  /** judged once the kernel is booted, before any call: its counterexample has no commands */
  readonly atBoot?: true;
}

const textIndex = (d: Declarations): string | null =>
  d.index === 'padding-insn'
    ? null
    : `it reads an index instruction in the padding; the implementation keeps its index in '${d.index}'`;

const ftraceHook = (d: Declarations): string | null =>
  d.ftraceCallAdjust === true
    ? null
    : 'the implementation offers no ftrace_call_adjust (the optional arm64 arch hook, Declarations.ftraceCallAdjust)';

const capacity = (d: Declarations): string | null =>
  d.index === 'none'
    ? 'a hash table has no array capacity to keep: its bucket count grows and shrinks by design'
    : null;

/**
 * Every check kfmd makes, in the order the sequential driver makes them after a command (then
 * the concurrent-only ones); each says in which mode it runs. Check names come from here.
 */
export const CHECKS = [
  {
    name: 'contract',
    modes: ['sequential'],
    says: 'the caller keeps the lock contract (the model names self-deadlocks and misuse)',
  },
  { name: 'deadlock', modes: ['sequential'], says: 'the implementation makes progress where the model does' },
  { name: 'crash', modes: ['sequential', 'concurrent'], says: 'the implementation does not throw' },
  { name: 'I5', modes: ['sequential', 'concurrent'], says: 'I5: no access to freed memory' },
  {
    name: 'result',
    modes: ['sequential'],
    says: 'results agree with the model: md identity and index, NULL, WARN fired or not',
  },
  {
    name: 'I7',
    modes: ['sequential'],
    says: 'I7: the md window is free at boot (no overlap with kCFI, FineIBT, thunk, CALL_OPS)',
    appliesTo: textIndex,
  },
  {
    name: 'I10',
    modes: ['sequential'],
    says: 'I10: arm64 ftrace_call_adjust lands on the second NOP after the entry, after `bti c` when there is one (at boot, contract suite)',
    appliesTo: ftraceHook,
    arches: ['arm64'],
    atBoot: true,
  },
  {
    name: 'window',
    modes: ['sequential'],
    says: 'every md window decodes (model decoder) to what the model expects',
    appliesTo: textIndex,
  },
  { name: 'I6', modes: ['sequential'], says: 'I6: no byte outside the md windows is modified', appliesTo: textIndex },
  {
    name: 'pokes',
    modes: ['sequential'],
    says: 'a window is text_poked only when the decision table (spec §2.4) changes it: no needless poke',
    appliesTo: textIndex,
  },
  { name: 'I3', modes: ['sequential'], says: 'I3: every installed index is below the capacity', appliesTo: textIndex },
  { name: 'I2', modes: ['sequential'], says: 'I2: used equals the number of live slots' },
  {
    name: 'I1',
    modes: ['sequential', 'concurrent'],
    says: 'I1/I4: the md an index leads to (in a window, or as a reader obtains it) has func == the function and users ≥ 1',
  },
  {
    name: 'I11',
    modes: ['sequential'],
    says: "I11: capacity never shrinks; growth past the maximum order returns NULL with nothing changed (with __alloc_pages' WARN exactly when the design asks the allocator for that order)",
    appliesTo: capacity,
  },
  { name: 'state', modes: ['sequential'], says: 'capacity and used agree with the model' },
  {
    name: 'reader',
    modes: ['sequential'],
    says: 'the trampoline on every function finds the md the model says it owns, with its users and func',
  },
  {
    name: 'pages',
    modes: ['sequential'],
    says: 'the current array is a live page block of the order the model expects; no other block is leaked',
  },
  { name: 'warn', modes: ['concurrent'], says: 'no WARN_ON_ONCE fires' },
  {
    name: 'I8',
    modes: ['concurrent'],
    says: 'I8: no reader decodes a half-written instruction as a valid index',
    appliesTo: textIndex,
  },
  {
    name: 'I9',
    modes: ['concurrent'],
    says: 'I9: lock order kfunc_md_mutex → text_mutex, no self-deadlock, no deadlock',
  },
  {
    name: 'linearizability',
    modes: ['concurrent'],
    says: 'linearizability: the operations agree with the model in some order consistent with real time',
  },
] as const satisfies readonly CheckEntry[];

export type CheckName = (typeof CHECKS)[number]['name'];

const BY_NAME: ReadonlyMap<string, CheckEntry> = new Map(CHECKS.map((c) => [c.name, c]));

/** The checks judged at boot, whose sequential counterexamples have no commands. */
export function bootChecks(): readonly CheckName[] {
  return CHECKS.filter((c: CheckEntry) => c.atBoot === true).map((c) => c.name);
}

export function checksOf(mode: Mode): readonly CheckName[] {
  return CHECKS.filter((c) => (c.modes as readonly Mode[]).includes(mode)).map((c) => c.name);
}

export function describeCheck(name: CheckName): string {
  return BY_NAME.get(name)?.says ?? name;
}

/** null when `name` applies to an implementation declaring `d`, else why not (reported as not applicable). */
export function inapplicable(name: CheckName, d: Declarations): string | null {
  return BY_NAME.get(name)?.appliesTo?.(d) ?? null;
}

/**
 * The checks of a mode that do not apply to `d`, with the reason for each, among those that read
 * a configuration of `arches` (an arm64-only check is not news on an x86 run).
 */
export function inapplicableChecks(
  mode: Mode,
  d: Declarations,
  arches: readonly Arch[],
): readonly { readonly check: CheckName; readonly why: string }[] {
  const reads = (check: CheckName): boolean => {
    const only = BY_NAME.get(check)?.arches;
    return only === undefined || only.some((a) => arches.includes(a));
  };
  return checksOf(mode).flatMap((check) => {
    if (!reads(check)) return [];
    const why = inapplicable(check, d);
    return why === null ? [] : [{ check, why }];
  });
}
