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
}

export interface FunctionShape {
  /**
   * The facts that matter in the configuration, as tags joined by '+': `kcfi` / `no-kcfi` under
   * CFI_CLANG, `thunk` / `no-thunk` where thunks are active; `plain` when neither matters.
   */
  readonly name: string;
  /** One line for humans. */
  readonly description: string;
  /** The facts of the functions of this shape (normalised: cfi false without CFI_CLANG, directCallDest true without active thunks). */
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
export const ORDINARY_FUNCTION: ShapeFacts = Object.freeze({ cfi: true, directCallDest: true });

/** The name of the shape for these facts, given which facts matter. */
export function shapeName(facts: ShapeFacts, cfiMatters: boolean, thunkMatters: boolean): string {
  const tags = [
    ...(cfiMatters ? [facts.cfi ? 'kcfi' : 'no-kcfi'] : []),
    ...(thunkMatters ? [facts.directCallDest ? 'thunk' : 'no-thunk'] : []),
  ];
  return tags.length === 0 ? 'plain' : tags.join('+');
}

/** What shapeOf reads of a Configuration (structural, so this file does not import configuration.ts, which lists shapes). */
export interface ShapedConfiguration {
  readonly name: string;
  readonly options: KernelOptions;
  readonly shapes: readonly FunctionShape[];
}

/** The shape a function with these facts has in the configuration. */
export function shapeOf(config: ShapedConfiguration, facts: ShapeFacts): FunctionShape {
  const o = config.options;
  const cfi = o.cfiClang && facts.cfi;
  const thunks = o.arch === 'x86' && o.callThunks && o.thunksActive;
  const directCallDest = facts.directCallDest || !thunks;
  const found = config.shapes.find((s) => s.facts.cfi === cfi && s.facts.directCallDest === directCallDest);
  if (!found) throw new Error(`${config.name}: no shape for cfi=${cfi} directCallDest=${directCallDest}`);
  return found;
}

/** The one shape of a configuration where no fact changes the padding. */
export function plainShape(occupants: readonly Occupant[]): FunctionShape {
  return Object.freeze({
    name: 'plain',
    description: 'every function',
    facts: Object.freeze({ cfi: false, directCallDest: true }),
    occupants,
    overlaps: Object.freeze(describeOverlaps(occupants)),
    entryAtBoot: null,
  });
}
