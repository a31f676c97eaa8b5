import type { ModelContext, Slot } from './types.ts';

/** The slot a get would use (kfunc_md_get_next), and whether the array must be created or grown first. */
export type SlotChoice =
  | { readonly kind: 'first'; readonly index: number }
  | { readonly kind: 'free'; readonly index: number }
  | { readonly kind: 'grow'; readonly index: number; readonly order: number }
  | { readonly kind: 'max-order' }
  /** a hash design allocates a new md: slot `index` is its abstract identity (a free one, or the next new one) */
  | { readonly kind: 'fresh'; readonly index: number };

export function chooseSlot(ctx: ModelContext, observedIndex: number | undefined): SlotChoice {
  if (ctx.design.storage === 'hash') {
    // no capacity: any free identity, or a new one past the last (the harness names mds per function)
    const beyond = observedIndex !== undefined && observedIndex >= ctx.slots.length ? [observedIndex] : [];
    return { kind: 'fresh', index: pick([...freeIndices(ctx.slots), ctx.slots.length, ...beyond], ctx, observedIndex) };
  }
  if (ctx.order === null)
    return { kind: 'first', index: pick(freeIndices(fresh(ctx.entriesPerPage)), ctx, observedIndex) };
  const free = freeIndices(ctx.slots);
  if (free.length > 0) return { kind: 'free', index: pick(free, ctx, observedIndex) };
  if (ctx.order + 1 > ctx.maxOrder && ctx.design.growthLimit === 'max-order') return { kind: 'max-order' };
  // after doubling (to order + 1) the whole upper half is free; v4 hands out its first entry
  const upper = Array.from({ length: ctx.count }, (_, i) => ctx.count + i);
  return { kind: 'grow', index: pick(upper, ctx, observedIndex), order: ctx.order + 1 };
}

export function fresh(n: number): Slot[] {
  return Array.from({ length: n }, () => ({ users: 0, func: null }));
}

/** Slots a get may hand out: no users, and not waiting for a grace period. */
function freeIndices(slots: readonly Slot[]): number[] {
  const out: number[] = [];
  slots.forEach((s, i) => {
    if (s.users === 0 && s.retiring !== true) out.push(i);
  });
  return out;
}

/** lowest-free: the lowest; any-free: the implementation's choice when it is one of the free ones. */
function pick(candidates: readonly number[], ctx: ModelContext, observed: number | undefined): number {
  if (ctx.slotPolicy === 'any-free' && observed !== undefined && candidates.includes(observed)) return observed;
  return candidates[0];
}
