import type { Kernel } from '../kernel/kernel.ts';
import { arm64Hooks } from './arm64.ts';
import type { ArchHooks } from './hooks.ts';
import { x86Hooks } from './x86.ts';

/** The hooks matching the kernel's architecture and options (which asm/ftrace.h kfunc_md_arch_* set is built). */
export function hooksFor(kernel: Kernel): ArchHooks {
  // the options' arch tag picks the hooks, so each gets options of its own arch by type
  const o = kernel.options;
  return o.arch === 'x86' ? x86Hooks(kernel, o) : arm64Hooks(kernel, o);
}
