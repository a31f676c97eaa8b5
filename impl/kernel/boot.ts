import { arm64PatchableEntry } from './arm64-config.ts';
import { u64le } from './le.ts';
import type { Arm64Options, X86Options } from './options.ts';
import type { FunctionSpec, PlacedFunction } from './spec.ts';
import { callThunksActive, fineibtActive, fineibtBhiActive } from './x86-config.ts';
import {
  CALL_DEPTH_THUNK_SIZE,
  DEFAULT_ARITY,
  DEFAULT_KCFI_HASH,
  FINEIBT_BHI_OFFSET,
  X86_ENDBR64,
  X86_NOP,
  X86_POISONED_ENDBR,
  callDepthThunk,
  fineibtBhiTail,
  fineibtPreamble,
} from './x86-encodings.ts';

/**
 * Boot-time text rewrites that happen before kfunc_md ever runs: FineIBT preambles and
 * call-depth thunks on x86, the CALL_OPS literal on arm64. They edit the image in place
 * (text_poke_early), so they are not part of the runtime write log.
 */

/** Offset in the image for an address. */
type At = (addr: number) => number;

/** Stand-in for the percpu __x86_call_depth the thunk's RIP-relative operand points at. */
const CALL_DEPTH_VAR = 0x32c40;
/** Stand-in for the __bhi_args thunk table (one 32-byte thunk per arity) the BHI call points at. */
const BHI_ARGS = 0x1000;

/**
 * apply_fineibt() writes fineibt_preamble_start's 16 bytes at ip - FINEIBT_INSN_OFFSET (16 with
 * CONFIG_CALL_PADDING) of every function listed in `.cfi_sites` (those with a kCFI preamble), and
 * poisons the ENDBR at ip+0..ip+3 of each to `nopl -42(%rax)` (spec §4.1);
 * callthunks' patch_dest() copies INCREMENT_CALL_DEPTH into the last SKL_TMPL_SIZE bytes of every
 * destination of a direct call it patches, when X86_FEATURE_CALL_DEPTH is set.
 */
export function bootX86(
  o: X86Options,
  text: Uint8Array,
  at: At,
  fns: readonly PlacedFunction[],
  specs: readonly FunctionSpec[],
): string[] {
  const notes: string[] = [];
  fns.forEach((f, i) => {
    if (!f.padded) return;
    const spec = specs[i];
    // apply_fineibt: the 16-byte preamble always lands at ip-16 with CALL_PADDING (v4 1/4)
    if (fineibtActive(o) && f.cfi) {
      text.set(fineibtPreamble(o.fineibtEncoding, spec.kcfiHash ?? DEFAULT_KCFI_HASH), at(f.ip - 16));
      // poison_endbr: the function's own ENDBR stops being an IBT target (callers now enter at ip-16)
      const entry = at(f.ip);
      if (X86_ENDBR64.every((b, i) => text[entry + i] === b)) text.set(X86_POISONED_ENDBR, entry);
      // cfi_fineibt_bhi_preamble: nothing for no arguments, else the per-arity tail
      const arity = spec.arity ?? DEFAULT_ARITY;
      if (fineibtBhiActive(o) && arity > 0) {
        const rel32 = spec.bhiCallRel32 ?? (BHI_ARGS + 32 * arity - f.ip) >>> 0;
        text.set(fineibtBhiTail(arity, rel32), at(f.ip - 16 + FINEIBT_BHI_OFFSET));
      }
    }
    if (callThunksActive(o) && spec.directCallDest !== false) {
      // callthunks patch_dest(): the last 9 padding bytes must all still be 0x90
      const pad = at(f.ip - CALL_DEPTH_THUNK_SIZE);
      if (text.subarray(pad, pad + CALL_DEPTH_THUNK_SIZE).every((b) => b === X86_NOP)) {
        text.set(callDepthThunk(spec.thunkRel32 ?? (CALL_DEPTH_VAR - f.ip) >>> 0), pad);
      } else {
        notes.push(`callthunks: invalid padding area for ${f.name}, no thunk`);
      }
    }
  });
  return notes;
}

/**
 * ftrace init (ftrace_init_nop) points each CALL_OPS literal (ip-8) at ftrace_nop_ops; at run time
 * ftrace rewrites it with aarch64_insn_write_literal_u64.
 */
export function bootArm64(
  o: Arm64Options,
  text: Uint8Array,
  at: At,
  fns: readonly PlacedFunction[],
  ftraceNopOps: number,
): string[] {
  // Stryker disable next-line ConditionalExpression: with CALL_OPS, before is 2 (mainline 4,2) or more (metadata): never below 2 today
  if (!o.callOps || arm64PatchableEntry(o).before < 2) return [];
  for (const f of fns) if (f.padded) text.set(u64le(ftraceNopOps), at(f.ip - 8));
  return [];
}
