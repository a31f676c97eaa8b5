/**
 * Function shapes: in one configuration not every function's padding looks the same (spec §4.4
 * X5, real-layouts.md rules 9-10). Two facts about a function, in the kernel's terms, decide it:
 *
 * - `cfi`: clang emitted a `__cfi_<name>` kCFI preamble (`mov $hash,%eax`), so objtool lists the
 *   function in `.cfi_sites` and apply_fineibt() rewrites it in FineIBT mode. Every non-static
 *   function and every address-taken static has one; a static whose address is never taken has
 *   none, and its padding is all NOPs ((16 − PB mod 16) mod 16 + PB of them). Only under CFI_CLANG.
 * - `directCallDest`: the function is the destination of a direct call that callthunks patches
 *   (call_get_dest() → patch_dest()), so it gets a call-depth thunk when thunks are active; a
 *   function only ever called through pointers gets none. Only where thunks are active.
 * - `arity`: how many arguments the function takes, as clang's kCFI-arity encodes it in the
 *   preamble mov's register. Under FINEIBT_BHI apply_fineibt rewrites the preamble tail by it:
 *   none for 0, an inline sequence for 1, a call to __bhi_args[arity] for 2 to 7. Only with
 *   FINEIBT_BHI, and only for functions with a preamble; the shape keeps the class (0, 1, 2 for
 *   "2 or more"), the exact count is a per-function value like the kCFI hash.
 *
 * A configuration lists the shape of every combination of the facts that matter in it; the first
 * is the shape of an ordinary function (a kCFI preamble under CFI_CLANG, called directly), the one
 * Configuration.occupants describes.
 */
import type { KernelOptions } from './options.ts';
import { describeOverlaps } from './occupant.ts';
import type { Occupant } from './occupant.ts';

export interface ShapeFacts {
  /** has a kCFI preamble (`__cfi_<name>`, an entry of `.cfi_sites`); false without CFI_CLANG */
  readonly cfi: boolean;
  /** a destination of patched direct calls (a call-depth thunk when thunks are active) */
  readonly directCallDest: boolean;
  /** 0, 1 or 2 (two or more arguments); 2 wherever the arity changes no byte */
  readonly arity: ArityClass;
}

/** What a caller knows of a function: its facts, the argument count exact (0..7, default 2). */
export interface FunctionFacts {
  readonly cfi: boolean;
  readonly directCallDest: boolean;
  readonly arity?: number;
}

/** The FINEIBT_BHI classes of a function's argument count: 0, 1, or 2 for "two or more". */
export type ArityClass = 0 | 1 | 2;

/** The class of an argument count (0..7). */
export function arityClass(arity: number): ArityClass {
  return arity <= 0 ? 0 : arity === 1 ? 1 : 2;
}

export interface FunctionShape {
  /**
   * The facts that matter in the configuration, as tags joined by '+': `kcfi` / `no-kcfi` under
   * CFI_CLANG, `thunk` / `no-thunk` where thunks are active, `arity0` / `arity1` / `arity2+` for
   * functions with a preamble under FINEIBT_BHI; `plain` when none matters.
   */
  readonly name: string;
  /** One line for humans. */
  readonly description: string;
  /**
   * The facts of the functions of this shape (normalised: cfi false without CFI_CLANG,
   * directCallDest true without active thunks, arity 2 without FINEIBT_BHI or a preamble).
   */
  readonly facts: ShapeFacts;
  /** Sorted by start; together they cover [-paddingBytes, 0). */
  readonly occupants: readonly Occupant[];
  /** Every overlapping pair, spelled out. */
  readonly overlaps: readonly string[];
  /**
   * The bytes at ip+0..ip+3 once booted, where the configuration fixes them (no kfunc_md design may
   * write there): with X86_KERNEL_IBT (FINEIBT built) an indirectly callable function starts with
   * ENDBR64, and FineIBT mode poisons it to `nopl -42(%rax)`; null where the entry is the body's own.
   */
  readonly entryAtBoot: EntryAtBoot | null;
}

export interface EntryAtBoot {
  /** 'endbr64' or 'poisoned endbr (nopl -42(%rax))' */
  readonly what: string;
  readonly bytes: readonly number[];
}

/** The facts of an ordinary function: a kCFI preamble (where there is kCFI), called directly. */
export const ORDINARY_FUNCTION: ShapeFacts = Object.freeze({ cfi: true, directCallDest: true, arity: 2 });

/** Which facts change a function's bytes in a configuration. */
export interface FactsThatMatter {
  readonly cfi: boolean;
  readonly thunk: boolean;
  readonly arity: boolean;
}

/** The name of the shape for these facts, given which facts matter. */
export function shapeName(facts: ShapeFacts, matters: FactsThatMatter): string {
  const tags = [
    ...(matters.cfi ? [facts.cfi ? 'kcfi' : 'no-kcfi'] : []),
    ...(matters.thunk ? [facts.directCallDest ? 'thunk' : 'no-thunk'] : []),
    ...(matters.arity && facts.cfi ? [facts.arity === 2 ? 'arity2+' : `arity${facts.arity}`] : []),
  ];
  return tags.length === 0 ? 'plain' : tags.join('+');
}

/** What shapeOf reads of a Configuration (structural, so this file does not import configuration.ts, which lists shapes). */
export interface ShapedConfiguration {
  readonly name: string;
  readonly options: KernelOptions;
  readonly shapes: readonly FunctionShape[];
}

/** The facts that change bytes in a configuration with these options. */
export function factsThatMatter(o: KernelOptions): FactsThatMatter {
  const x86 = o.arch === 'x86';
  return {
    cfi: o.cfiClang,
    thunk: x86 && o.callThunks && o.thunksActive,
    arity: x86 && o.fineibtBhi,
  };
}

/** Facts as the configuration distinguishes them (see ShapeFacts.facts). */
export function normaliseFacts(o: KernelOptions, facts: FunctionFacts): ShapeFacts {
  const m = factsThatMatter(o);
  const cfi = m.cfi && facts.cfi;
  return {
    cfi,
    directCallDest: facts.directCallDest || !m.thunk,
    arity: m.arity && cfi ? arityClass(facts.arity ?? 2) : 2,
  };
}

/** The shape a function with these facts has in the configuration. */
export function shapeOf(config: ShapedConfiguration, facts: FunctionFacts): FunctionShape {
  const n = normaliseFacts(config.options, facts);
  const found = config.shapes.find(
    (s) => s.facts.cfi === n.cfi && s.facts.directCallDest === n.directCallDest && s.facts.arity === n.arity,
  );
  if (!found)
    throw new Error(`${config.name}: no shape for cfi=${n.cfi} directCallDest=${n.directCallDest} arity=${n.arity}`);
  return found;
}

/** The one shape of a configuration where no fact changes the padding. */
export function plainShape(occupants: readonly Occupant[]): FunctionShape {
  return Object.freeze({
    name: 'plain',
    description: 'every function',
    facts: Object.freeze({ cfi: false, directCallDest: true, arity: 2 as const }),
    occupants,
    overlaps: Object.freeze(describeOverlaps(occupants)),
    entryAtBoot: null,
  });
}
