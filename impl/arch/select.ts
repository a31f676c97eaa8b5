import type { Kernel } from '../kernel/kernel.ts';
import { arm64Hooks } from './arm64.ts';
import type { ArchHooks } from './hooks.ts';
import { x86Hooks } from './x86.ts';

/** The hooks matching the kernel's architecture and options. */
export function hooksFor(kernel: Kernel): ArchHooks {
  return kernel.options.arch === 'x86' ? x86Hooks(kernel) : arm64Hooks(kernel);
}
