import { arm64Alignment } from '../kernel/arm64-config.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { functionPaddingBytes } from '../kernel/x86-config.ts';

/** Kconfig symbols by their kernel names; the boot-time choices by their KernelOptions names. */
export type BootConfig = Readonly<Record<string, boolean | number | string>>;

/** What a create() tells the implementation about the kernel kfmd booted for it (PROTOCOL.md). */
export interface BootInfo {
  readonly arch: 'x86' | 'arm64';
  readonly config: BootConfig;
  readonly pageSize: number;
  readonly maxOrder: number;
  readonly textBase: number;
  readonly textSize: number;
  readonly pokeByteOrder: readonly number[];
  readonly functions: readonly { readonly name: string; readonly ip: number; readonly padded: boolean }[];
}

export function bootInfo(kernel: Kernel): BootInfo {
  const o = kernel.options;
  const config: BootConfig =
    o.arch === 'x86'
      ? {
          CONFIG_CFI_CLANG: o.cfiClang,
          CONFIG_CALL_THUNKS: o.callThunks,
          CONFIG_FINEIBT: o.fineibt,
          CONFIG_FUNCTION_ALIGNMENT: o.functionAlignment,
          CONFIG_FUNCTION_PADDING_BYTES: functionPaddingBytes(o),
          cfiMode: o.cfiMode,
          thunksActive: o.thunksActive,
          caseCReading: o.caseCReading,
          fineibtEncoding: o.fineibtEncoding,
          CONFIG_FINEIBT_BHI: o.fineibtBhi,
        }
      : {
          CONFIG_CFI_CLANG: o.cfiClang,
          CONFIG_DYNAMIC_FTRACE_WITH_ARGS: o.withArgs,
          CONFIG_DYNAMIC_FTRACE_WITH_CALL_OPS: o.callOps,
          CONFIG_FUNCTION_ALIGNMENT_8B: o.alignment8b,
          CONFIG_ARM64_BTI_KERNEL: o.bti,
          CONFIG_FUNCTION_ALIGNMENT: arm64Alignment(o),
        };
  return {
    arch: o.arch,
    config,
    pageSize: kernel.pageSize,
    maxOrder: kernel.maxOrder,
    textBase: kernel.textBase,
    textSize: kernel.textSize,
    pokeByteOrder: kernel.pokeByteOrder,
    functions: kernel.functions.map((f) => ({ name: f.name, ip: f.ip, padded: f.padded })),
  };
}
