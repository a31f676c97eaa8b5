import type { Violation } from '../core/violation.ts';
import { hexAddr } from '../core/world.ts';
import type { SequentialWorld } from './sequential-world.ts';

/**
 * Page accounting between operations: the current array is a live block of the order the
 * model's capacity needs, and every other live block is one the store says it keeps on
 * purpose (StoreView.retained). Anything else is a leak: a grow that forgot the old array,
 * or a first allocation that ran twice.
 */
export function checkPages(world: SequentialWorld, at: number): Violation | null {
  const view = world.store.inspect();
  const order = world.oracle.context.order;
  const live = world.kernel.pages.list().filter((b) => !b.freed);
  // an array from kvmalloc_array (may25) is a slab object: live, and large enough for the capacity
  const object = view.arrayBase !== 0 ? world.kernel.slab.list().find((o) => o.addr === view.arrayBase) : undefined;
  if (object && order !== null) {
    const needs = world.oracle.context.count * view.layout.size;
    if (object.freed || object.size < needs)
      return {
        check: 'pages',
        at,
        message: `the current array ${hexAddr(view.arrayBase)} is a ${object.freed ? 'freed' : `${object.size}-byte`} ${object.kind} object; the model's capacity needs ${needs} live bytes`,
      };
  } else if (view.arrayBase !== 0 && order !== null) {
    const current = live.find((b) => b.addr === view.arrayBase);
    if (!current)
      return { check: 'pages', at, message: `the current array ${hexAddr(view.arrayBase)} is not a live page block` };
    if (current.order !== order) {
      return {
        check: 'pages',
        at,
        message: `the current array ${hexAddr(view.arrayBase)} is a block of order ${current.order}; the model's capacity needs order ${order}`,
      };
    }
  }
  const kept = new Set([view.arrayBase, ...(view.retained ?? [])]);
  const leaked = live.filter((b) => !kept.has(b.addr));
  if (leaked.length > 0) {
    const list = leaked.map((b) => `${hexAddr(b.addr)} (order ${b.order})`).join(', ');
    return {
      check: 'pages',
      at,
      message: `leak: live page block(s) ${list} are neither the current array nor kept by the store`,
    };
  }
  return null;
}
