import type { Kernel } from '../../../impl/kernel/kernel.ts';
import type { Step } from '../../../impl/kernel/types.ts';

/**
 * Page blocks nobody else can reach yet. A block is private to the CPU that allocated it until
 * a pointer into it is stored somewhere outside it (rcu_assign_pointer of a new array, say).
 * Accesses to a private block commute with every other CPU's steps, so they are not
 * scheduling points: the CPU keeps running. This keeps array initialisation and copies out of
 * PCT's step count and out of the exhaustive search's branching, without hiding any
 * interleaving another CPU could observe (short of a wild pointer into unpublished memory).
 */
export class PrivateBlocks {
  private readonly blocks: { readonly start: number; readonly end: number; readonly cpu: number }[] = [];

  constructor(private readonly kernel: Kernel) {}

  /** After `cpu` performed `step`; `blocksBefore` is how many page blocks existed before it. */
  performed(cpu: number, step: Step, blocksBefore: number): void {
    if (step.kind === 'alloc_pages') {
      const list = this.kernel.pages.list();
      if (list.length > blocksBefore) {
        const b = list[list.length - 1];
        this.blocks.push({ start: b.addr, end: b.addr + this.kernel.pageSize * 2 ** b.order, cpu });
      }
    } else if (step.kind === 'store64' && step.value !== undefined && step.addr !== undefined) {
      const v = step.value;
      const at = step.addr;
      const i = this.blocks.findIndex((b) => v >= b.start && v < b.end && !(at >= b.start && at < b.end));
      if (i >= 0) this.blocks.splice(i, 1);
    }
  }

  /** `step` only touches a block still private to `cpu`. */
  isPrivate(cpu: number, step: Step): boolean {
    if (
      this.blocks.length === 0 ||
      step.addr === undefined ||
      !(step.kind.startsWith('load') || step.kind.startsWith('store'))
    )
      return false;
    const a = step.addr;
    const end = a + (step.size ?? 1);
    return this.blocks.some((b) => b.cpu === cpu && a >= b.start && end <= b.end);
  }
}
