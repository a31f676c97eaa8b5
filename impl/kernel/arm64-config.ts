import type { Arm64Options } from './options.ts';

/**
 * arm64 Makefile/Kconfig arithmetic for -fpatchable-function-entry=N,M (v4 4/4).
 * N words in total, M of them before the entry.
 */
export interface PatchableEntry {
  readonly total: number;
  readonly before: number;
}

/** CONFIG_FUNCTION_METADATA depends on !CONFIG_CFI_CLANG. */
export function arm64MetadataBuilt(o: Arm64Options): boolean {
  return !o.cfiClang;
}

/** CONFIG_FUNCTION_ALIGNMENT: CONFIG_DYNAMIC_FTRACE_WITH_CALL_OPS selects CONFIG_FUNCTION_ALIGNMENT_8B. */
export function arm64Alignment(o: Arm64Options): 4 | 8 {
  return o.alignment8b || o.callOps ? 8 : 4;
}

/** arch/arm64/Makefile: the -fpatchable-function-entry=N,M the kernel compiles with. */
export function arm64PatchableEntry(o: Arm64Options): PatchableEntry {
  if (!arm64MetadataBuilt(o)) {
    // mainline without metadata: CALL_OPS 4,2; WITH_ARGS 2,0; otherwise no patchable entry
    if (o.callOps) return { total: 4, before: 2 };
    if (o.withArgs) return { total: 2, before: 0 };
    return { total: 0, before: 0 };
  }
  let pad = arm64Alignment(o) === 8 ? 2 : 1;
  if (o.callOps) pad += 2;
  if (o.callOps || o.withArgs) return { total: pad + 2, before: pad };
  return { total: pad, before: pad };
}
