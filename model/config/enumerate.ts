/**
 * The whole option space, valid or not. allConfigurations() is this list filtered by
 * validateOptions, so "every valid configuration" holds by construction.
 */
import type { Arm64Options, CaseCReading, FineIbtEncoding, KernelOptions, X86CfiMode, X86Options } from './options.ts';

const BOOLS = [false, true] as const;
const MODES: readonly X86CfiMode[] = ['off', 'kcfi', 'fineibt'];
const ALIGNMENTS: readonly X86Options['functionAlignment'][] = [16, 32, 64];
const READINGS: readonly CaseCReading[] = ['kconfig', 'intent'];
const ENCODINGS: readonly FineIbtEncoding[] = ['feb2025', 'pre2025', 'later'];

export function allX86Options(): X86Options[] {
  const out: X86Options[] = [];
  for (const cfiClang of BOOLS)
    for (const callThunks of BOOLS)
      for (const fineibt of BOOLS)
        for (const cfiMode of MODES)
          for (const thunksActive of BOOLS)
            for (const functionAlignment of ALIGNMENTS)
              for (const caseCReading of READINGS)
                for (const fineibtEncoding of ENCODINGS)
                  for (const fineibtBhi of BOOLS)
                    out.push({
                      arch: 'x86',
                      cfiClang,
                      callThunks,
                      fineibt,
                      cfiMode,
                      thunksActive,
                      functionAlignment,
                      caseCReading,
                      fineibtEncoding,
                      fineibtBhi,
                    });
  return out;
}

export function allArm64Options(): Arm64Options[] {
  const out: Arm64Options[] = [];
  for (const cfiClang of BOOLS)
    for (const withArgs of BOOLS)
      for (const callOps of BOOLS)
        for (const alignment8b of BOOLS)
          for (const bti of BOOLS) out.push({ arch: 'arm64', cfiClang, withArgs, callOps, alignment8b, bti });
  return out;
}

/** 864 x86 + 32 arm64 combinations. */
export function allOptions(): KernelOptions[] {
  return [...allX86Options(), ...allArm64Options()];
}
