import type { Kernel } from '../../../impl/kernel/kernel.ts';
import type { ArchHooks } from '../../../impl/arch/hooks.ts';
import { hooksFor } from '../../../impl/arch/select.ts';
import type { StoreFactory } from '../../../impl/contract/index.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import type { Implementation } from '../registry.ts';

/**
 * A mutant is v4 with exactly one injected bug. It is judged like v4 (lowest free slot), so
 * any disagreement with the model is the bug, not a different but valid slot choice.
 */
export function mutant(name: string, description: string, factory: StoreFactory): Implementation {
  return { name: `mutant:${name}`, description, factory, slotPolicy: 'lowest-free' };
}

/** v4's generic code untouched, with the arch hooks edited (an arch-side bug). */
export function withHooks(edit: (hooks: ArchHooks, kernel: Kernel) => ArchHooks): StoreFactory {
  return (kernel) => new V4Store(kernel, edit(hooksFor(kernel), kernel));
}
