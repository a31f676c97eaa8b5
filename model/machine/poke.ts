import { sameBytes } from '../encoding/window.ts';

/**
 * The text-poke decision table shared by every version (spec §2.4, §3): what
 * happens to a window given what it holds and what is requested (kfunc_md_text_poke).
 */
export type PokeDecision =
  | { readonly action: 'none'; readonly result: 0 }
  | { readonly action: 'write'; readonly bytes: readonly number[]; readonly result: 0 }
  | { readonly action: 'none'; readonly result: 'EBUSY' };

/** kfunc_md_text_poke(ip, insn, nop): already equal → nothing; NOPs → write; anything else → -EBUSY. */
export function decideInstall(
  current: readonly number[],
  insn: readonly number[],
  nops: readonly number[],
): PokeDecision {
  if (sameBytes(current, insn)) return { action: 'none', result: 0 };
  if (sameBytes(current, nops)) return { action: 'write', bytes: insn, result: 0 };
  return { action: 'none', result: 'EBUSY' };
}

/** kfunc_md_text_poke(ip, NULL, nop): already NOPs → nothing; anything else → write NOPs unconditionally. */
export function decideRestore(current: readonly number[], nops: readonly number[]): PokeDecision {
  if (sameBytes(current, nops)) return { action: 'none', result: 0 };
  return { action: 'write', bytes: nops, result: 0 };
}
