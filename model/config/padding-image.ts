/**
 * The bytes of [-paddingBytes, 0) for a configuration: as linked (what the compiler
 * emitted) and at boot (after FineIBT, call thunks and ftrace init rewrote their parts).
 * The md window holds NOPs in both: no metadata is installed yet.
 */
import type { Configuration } from './configuration.ts';
import { ConfigError } from './configuration.ts';
import type { Occupant, OccupantKind } from './occupant.ts';
import { arityClass } from './shape.ts';
import type { FunctionShape } from './shape.ts';
import { ARM64_NOP, X86_NOP, callDepthThunk, fineibtBhiTail, fineibtPreamble, kcfiMov, le32, le64 } from './bytes.ts';

/** Per-function values that end up in the padding. */
export interface PaddingParams {
  /** kCFI type hash (u32); also copied into the FineIBT preamble. */
  readonly kcfiHash: number;
  /** rel32 of the call-depth thunk's %gs-relative __x86_call_depth operand (differs per function). */
  readonly thunkRel32: number;
  /** arm64 CALL_OPS literal: address of the ftrace_ops (ftrace_nop_ops after init). */
  readonly callOpsLiteral: bigint;
  /**
   * FINEIBT_BHI: the function's argument count (0..7), which kCFI-arity puts in the preamble mov's
   * register; it must be in the shape's class. Default: the shape's class (2 for "two or more").
   */
  readonly arity?: number;
  /** FINEIBT_BHI, two or more arguments: rel32 of `call __bhi_args[arity]`, from the entry (differs per function). */
  readonly bhiCallRel32?: number;
}

export const DEFAULT_PADDING_PARAMS: PaddingParams = Object.freeze({
  // int(int,int), the hash clang 16 gave `add` in the real dumps.
  kcfiHash: 0x56e5b5a5,
  thunkRel32: 0x00123456,
  bhiCallRel32: 0x00654321,
  // An 8-aligned arm64 kernel-image address.
  callOpsLiteral: 0xffff_8000_8123_4560n,
});

/**
 * Occupants that boot-time code writes (apply_fineibt, callthunks' patch_dest, ftrace_init_nop);
 * the compiler left NOPs there.
 */
const BOOT_WRITTEN: ReadonlySet<OccupantKind> = new Set(['thunk', 'fineibt', 'bhi', 'callops']);

function nopFill(config: Configuration): Uint8Array {
  const out = new Uint8Array(config.paddingBytes);
  if (config.arch === 'x86') return out.fill(X86_NOP);
  // Offsets are word multiples, so buffer index 0 is a word boundary.
  for (let i = 0; i < out.length; i++) out[i] = ARM64_NOP[i % 4];
  return out;
}

function checkParams(p: PaddingParams, shape: FunctionShape): void {
  if (!Number.isInteger(p.kcfiHash) || p.kcfiHash < 0 || p.kcfiHash > 0xffff_ffff) {
    throw new ConfigError(`kcfiHash must be a u32, got ${p.kcfiHash}`);
  }
  le32(p.thunkRel32);
  le32(p.bhiCallRel32 ?? 0);
  le64(p.callOpsLiteral);
  if (p.arity !== undefined && (!Number.isInteger(p.arity) || p.arity < 0 || p.arity > 7)) {
    throw new ConfigError(`arity must be 0..7, got ${p.arity}`);
  }
  if (p.arity !== undefined && shape.name.includes('arity') && arityClass(p.arity) !== shape.facts.arity) {
    throw new ConfigError(`arity ${p.arity} is not of shape ${shape.name}`);
  }
}

/** The argument count whose register the kCFI mov names: only kCFI-arity builds (FINEIBT_BHI) encode it. */
function movArity(config: Configuration, p: PaddingParams, shape: FunctionShape): number {
  const o = config.options;
  return o.arch === 'x86' && o.fineibtBhi ? (p.arity ?? shape.facts.arity) : 0;
}

function bytesFor(o: Occupant, config: Configuration, p: PaddingParams, shape: FunctionShape): number[] | null {
  const kind: OccupantKind = o.kind;
  switch (kind) {
    case 'kcfi':
      return kcfiMov(p.kcfiHash, movArity(config, p, shape));
    case 'thunk':
      return callDepthThunk(p.thunkRel32);
    case 'fineibt': {
      if (config.options.arch !== 'x86') throw new ConfigError(`${config.name}: FineIBT on arm64`);
      // under FINEIBT_BHI the occupant ends where the per-arity tail begins
      return fineibtPreamble(config.options.fineibtEncoding, p.kcfiHash).slice(0, o.end - o.start);
    }
    case 'bhi':
      return fineibtBhiTail(movArity(config, p, shape), p.bhiCallRel32 ?? 0);
    case 'callops':
      return le64(p.callOpsLiteral);
    case 'md':
    case 'nop':
      return null; // NOPs, already there
  }
}

function render(config: Configuration, p: PaddingParams, boot: boolean, shape: FunctionShape): Uint8Array {
  checkParams(p, shape);
  const out = nopFill(config);
  // Boot rewrites go last so they win where they overlap the md window (case C, Kconfig reading).
  const order = [...shape.occupants].sort(
    (a, b) => Number(BOOT_WRITTEN.has(a.kind)) - Number(BOOT_WRITTEN.has(b.kind)),
  );
  for (const o of order) {
    if (!boot && BOOT_WRITTEN.has(o.kind)) continue;
    const bytes = bytesFor(o, config, p, shape);
    if (bytes === null) continue;
    if (bytes.length !== o.end - o.start) {
      throw new ConfigError(`${config.name}: ${o.kind} is ${o.end - o.start} bytes, encoding has ${bytes.length}`);
    }
    out.set(bytes, o.start + config.paddingBytes);
  }
  return out;
}

/**
 * The padding at boot, after FineIBT / call thunks / ftrace init; md window = NOPs. Of an ordinary
 * function unless `shape` (one of config.shapes) says otherwise.
 */
export function paddingImage(
  config: Configuration,
  params: PaddingParams = DEFAULT_PADDING_PARAMS,
  shape: FunctionShape = ordinary(config),
): Uint8Array {
  return render(config, params, true, shape);
}

/** The padding as linked: kCFI mov and NOPs only (what -fpatchable-function-entry gave). */
export function linkTimeImage(
  config: Configuration,
  params: PaddingParams = DEFAULT_PADDING_PARAMS,
  shape: FunctionShape = ordinary(config),
): Uint8Array {
  return render(config, params, false, shape);
}

function ordinary(config: Configuration): FunctionShape {
  const s = config.shapes[0];
  if (!s) throw new ConfigError(`${config.name}: no function shapes`);
  return s;
}
