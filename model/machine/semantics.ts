import { decodeWindow, encodeInsn, nopPattern } from '../encoding/window.ts';
import { decideInstall, decideRestore } from './poke.ts';
import { chooseSlot, fresh } from './slots.ts';
import { ALLOC_PAGES_ORDER_WARN } from './types.ts';
import type { GetResult, ModelContext, Outcome, PutResult, Slot } from './types.ts';

/**
 * Pure semantics of every operation: each returns the outcome kind (which the
 * machine's guards test, one transition per kind) and the next context.
 */
export interface Plan<K extends string> {
  readonly kind: K;
  readonly next: ModelContext;
}

/** The index of the metadata `fn` owns: its window holds insn(i) and slot i is live for fn. */
export function ownedIndex(ctx: ModelContext, fn: string): number | null {
  if (ctx.design.storage === 'hash') {
    // a table keyed by ip: the md linked for fn, whatever the text says
    const i = ctx.slots.findIndex((s) => s.users > 0 && s.func === fn);
    return i < 0 ? null : i;
  }
  if (!ctx.padded[fn]) return null;
  const decoded = decodeWindow(ctx.arch, ctx.windows[fn] ?? []);
  if (decoded.kind !== 'insn' || decoded.index >= ctx.slots.length) return null;
  const slot = ctx.slots[decoded.index];
  return slot.users > 0 && slot.func === fn ? decoded.index : null;
}

export type FindKind = 'find-hit' | 'find-no-padding' | 'find-miss';

/** kfunc_md_find(ip), as the specification means it (owned slots only) */
export function planFind(ctx: ModelContext, fn: string): Plan<FindKind> {
  const md = ownedIndex(ctx, fn);
  const kind: FindKind =
    md !== null ? 'find-hit' : !ctx.padded[fn] && ctx.design.storage === 'padding' ? 'find-no-padding' : 'find-miss';
  return { kind, next: withOutcome(ctx, { op: 'find', fn, md, warn: null }) };
}

/** kfunc_md_get(ip): existing md, or kfunc_md_get_next + kfunc_md_text_poke */
export function planGet(ctx: ModelContext, fn: string, observedIndex?: number, observedNull = false): Plan<GetResult> {
  const done = (
    c: ModelContext,
    result: GetResult,
    md: number | null,
    warn: typeof ALLOC_PAGES_ORDER_WARN | null = null,
  ): Plan<GetResult> => ({
    kind: result,
    next: withOutcome(c, {
      op: 'get',
      fn,
      md,
      result,
      ebusyCause: result === 'ebusy' ? ebusyCause(ctx, fn) : null,
      warn,
    }),
  });
  if (!ctx.padded[fn] && ctx.design.storage === 'padding') return done(ctx, 'no-padding', null);
  const owned = ownedIndex(ctx, fn);
  if (owned !== null)
    return done(withSlot(ctx, owned, { users: ctx.slots[owned].users + 1, func: fn }), 'existing', owned);

  const choice = chooseSlot(ctx, observedIndex);
  if (choice.kind === 'max-order')
    return done(ctx, 'max-order', null, ctx.design.maxOrderWarns ? ALLOC_PAGES_ORDER_WARN : null);
  const spent = { ...ctx, pendingAllocFailures: ctx.pendingAllocFailures - 1 };
  if (choice.kind === 'fresh') {
    // A hash table also allocates when it resizes, at thresholds of its own: with a failure
    // injected, a new md may come back NULL (spending it) or not (a resize may have spent it, or
    // it is still to come). NULL without a failure injected is wrong.
    if (ctx.pendingAllocFailures > 0 && observedNull) return done(spent, 'enomem', null);
    const created: ModelContext = { ...withSlot(ctx, choice.index, { users: 1, func: fn }), used: ctx.used + 1 };
    return done(created, 'created', choice.index);
  }
  const allocates = choice.kind !== 'free' || ctx.design.allocates === 'array-and-md';
  if (ctx.pendingAllocFailures > 0 && allocates) return done(spent, 'enomem', null);
  // the array exists (created or grown) from here on, whatever the poke says
  const grown =
    choice.kind === 'first' ? createArray(ctx) : choice.kind === 'grow' ? growArray(ctx, choice.order) : ctx;
  const insn = encodeInsn(ctx.arch, choice.index);
  const decision = decideInstall(ctx.windows[fn], insn, nopPattern(ctx.arch));
  if (decision.result === 'EBUSY') return done(grown, 'ebusy', null);
  const installed: ModelContext = {
    ...withSlot(grown, choice.index, { users: 1, func: fn }),
    used: grown.used + 1,
    windows: decision.action === 'write' ? { ...grown.windows, [fn]: decision.bytes } : grown.windows,
  };
  const result: GetResult =
    decision.action === 'none'
      ? 'already-equal'
      : choice.kind === 'first'
        ? 'installed-first'
        : choice.kind === 'grow'
          ? 'installed-grow'
          : 'installed-free';
  return done(installed, result, choice.index);
}

export type PutKind = 'put-released-restored' | 'put-released-left' | 'put-dropped-ref' | 'put-double' | 'put-no-md';

/**
 * kfunc_md_put(md), i.e. __kfunc_md_put under kfunc_md_mutex, for a slot index the store handed
 * out (caller holds no lock).
 */
export function planPut(
  ctx: ModelContext,
  index: number,
  op: 'put' | 'put_by_ip' = 'put',
  fnHint: string | null = null,
): Plan<PutKind> {
  const slot = ctx.slots[index];
  const out = (
    c: ModelContext,
    kind: PutKind,
    result: PutResult,
    restored: boolean,
    warn: 'put-users' | null,
  ): Plan<PutKind> => ({
    kind,
    next: withOutcome(c, { op, fn: fnHint ?? slot?.func ?? null, md: index, result, restored, warn }),
  });
  if (!slot || slot.users <= 0) return out(ctx, 'put-double', 'double-put', false, 'put-users');
  if (slot.users > 1)
    return out(withSlot(ctx, index, { ...slot, users: slot.users - 1 }), 'put-dropped-ref', 'dropped-ref', false, null);
  const fn = slot.func;
  // planGet gives a slot users > 0 only together with its function
  if (fn === null) throw new Error(`slot ${index} has users ${slot.users} but no function`);
  const retiring = ctx.design.reuse === 'after-grace' ? { retiring: true } : {};
  const released: ModelContext = { ...withSlot(ctx, index, { ...slot, users: 0, ...retiring }), used: ctx.used - 1 };
  // only a window that still holds this slot's instruction is ours to restore
  const ours = ctx.design.storage === 'padding' && ctx.padded[fn] === true && sameInsn(ctx, fn, index);
  if (!ours) return out(released, 'put-released-left', 'released', false, null);
  const decision = decideRestore(ctx.windows[fn], nopPattern(ctx.arch));
  const restoredCtx =
    decision.action === 'write' ? { ...released, windows: { ...released.windows, [fn]: decision.bytes } } : released;
  return out(restoredCtx, 'put-released-restored', 'released', true, null);
}

/** kfunc_md_put_by_ip(ip) */
export function planPutByIp(ctx: ModelContext, fn: string): Plan<PutKind> {
  const md = ownedIndex(ctx, fn);
  if (md === null) {
    return {
      kind: 'put-no-md',
      next: withOutcome(ctx, { op: 'put_by_ip', fn, md: null, result: 'no-md', restored: false, warn: null }),
    };
  }
  return planPut(ctx, md, 'put_by_ip', fn);
}

export function planForeignWrite(ctx: ModelContext, fn: string, bytes: readonly number[]): ModelContext {
  return withOutcome(
    { ...ctx, windows: { ...ctx.windows, [fn]: [...bytes] }, touched: { ...ctx.touched, [fn]: true } },
    { op: 'foreign-write', warn: null },
  );
}

/** A grace period of every flavour, and every callback queued before it, has run: retiring slots are free. */
export function planGrace(ctx: ModelContext): ModelContext {
  const slots = ctx.slots.some((s) => s.retiring === true)
    ? ctx.slots.map((s) => (s.retiring === true ? { users: s.users, func: s.func } : s))
    : ctx.slots;
  return withOutcome({ ...ctx, slots }, { op: 'grace', warn: null });
}

export function withOutcome(ctx: ModelContext, outcome: Outcome): ModelContext {
  return { ...ctx, outcome };
}

function sameInsn(ctx: ModelContext, fn: string, index: number): boolean {
  const decoded = decodeWindow(ctx.arch, ctx.windows[fn] ?? []);
  return decoded.kind === 'insn' && decoded.index === index;
}

function ebusyCause(ctx: ModelContext, fn: string): 'boot' | 'foreign-write' {
  return ctx.touched[fn] ? 'foreign-write' : 'boot';
}

/** kfunc_md_get_next's first use: an order-0 array of ENTRIES_PER_PAGE free slots */
function createArray(ctx: ModelContext): ModelContext {
  return { ...ctx, order: 0, count: ctx.entriesPerPage, slots: fresh(ctx.entriesPerPage) };
}

/** kfunc_md_get_next's growth: order + 1, kfunc_md_count doubles, the upper half free */
function growArray(ctx: ModelContext, order: number): ModelContext {
  return { ...ctx, order, count: ctx.count * 2, slots: [...ctx.slots, ...fresh(ctx.count)] };
}

function withSlot(ctx: ModelContext, index: number, slot: Slot): ModelContext {
  // a hash design's md may be named past the last slot: the gap is free slots, never holes
  const slots = index >= ctx.slots.length ? [...ctx.slots, ...fresh(index - ctx.slots.length)] : ctx.slots.slice();
  slots[index] = slot;
  return { ...ctx, slots };
}
