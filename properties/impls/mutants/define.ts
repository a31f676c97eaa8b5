import type { ArchHooks } from '../../../impl/arch/hooks.ts';
import { hooksFor } from '../../../impl/arch/select.ts';
import { CONTRACT_VERSION } from '../../../impl/contract/index.ts';
import type { Implementation, StoreFactory } from '../../../impl/contract/index.ts';
import type { Kernel } from '../../../impl/kernel/kernel.ts';
import { V4Store, v4 } from '../../../impl/v4/store.ts';

/**
 * A mutant is v4 with exactly one injected bug. It declares what v4 declares (the lowest free
 * slot, judged exactly), so any disagreement with the model is the bug, not a different but
 * valid slot choice.
 */
export function mutant(name: string, description: string, create: StoreFactory): Implementation {
  return { name: `mutant:${name}`, description, contract: CONTRACT_VERSION, declares: v4.declares, create };
}

/** v4's generic code untouched, with the arch hooks edited (an arch-side bug). */
export function withHooks(edit: (hooks: ArchHooks, kernel: Kernel) => ArchHooks): StoreFactory {
  return (kernel) => new V4Store(kernel, edit(hooksFor(kernel), kernel));
}
