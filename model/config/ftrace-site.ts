/**
 * Where arm64 ftrace patches `BL <caller>` into a function (spec §5, I10, D13): the second of the
 * N−M NOP words the compiler puts at the entry (ftrace turns the first into `mov x9, x30`). A
 * function that starts with `bti c` has it at ip+0 and the NOPs at ip+4 and ip+8, so the site is
 * ip+8; otherwise ip+4. The model reads the site off the bytes it says sit at the entry
 * (compilerLayout's entryPrefix), never off an implementation.
 */
import { ARM64_NOP } from './bytes.ts';
import { compilerInputFor, compilerLayout } from './compiler-layout.ts';
import type { CompilerLayout } from './compiler-layout.ts';
import type { Configuration } from './configuration.ts';
import { DEFAULT_PADDING_PARAMS } from './padding-image.ts';

/** AARCH64_INSN_SIZE */
const WORD = 4;

const isNopAt = (bytes: ArrayLike<number>, at: number): boolean => ARM64_NOP.every((b, i) => bytes[at + i] === b);

/**
 * The BL site in bytes from the entry, read off the words at the entry: the second NOP word of
 * the patch area there. null when fewer than two NOPs sit at the entry: ftrace has no call site
 * (metadata-only kernels, =N,N, or a function without padding).
 */
export function ftraceCallSiteOf(layout: Pick<CompilerLayout, 'entryPrefix'>): number | null {
  const prefix = layout.entryPrefix;
  const nops: number[] = [];
  for (let at = 0; at + WORD <= prefix.length; at += WORD) if (isNopAt(prefix, at)) nops.push(at);
  return nops.length >= 2 ? (nops[1] ?? null) : null;
}

/**
 * The BL site of every padded function of a configuration, in bytes from ip: its byte map puts
 * `bti c` at ip+0 under BTI and the N−M ftrace NOPs after it. null on x86 (the fentry call is the
 * site, there is nothing to adjust) and on arm64 configurations without two NOPs at the entry.
 */
export function configFtraceCallSite(config: Configuration): number | null {
  if (config.arch !== 'arm64') return null;
  return ftraceCallSiteOf(compilerLayout(compilerInputFor(config, DEFAULT_PADDING_PARAMS)));
}
