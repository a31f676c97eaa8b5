import type { Step } from '../../../impl/kernel/types.ts';
import { hexAddr } from '../core/world.ts';
import { nameAddress } from '../core/world.ts';
import type { World } from '../core/world.ts';

/** One performed step in a few words, after it happened (loads show the value read). */
export function describeStep(
  world: World,
  statics: ReadonlyMap<number, string>,
  cpu: number,
  step: Step,
  blocksBefore: number,
): string {
  const mem = world.kernel.mem;
  const at = (a: number | undefined): string => (a === undefined ? '?' : nameAddress(world, a, statics));
  switch (step.kind) {
    case 'load8':
    case 'load32':
    case 'load64': {
      const size = step.size ?? 1;
      const text = step.addr !== undefined && world.kernel.isText(step.addr, size);
      const v =
        step.addr !== undefined && mem.isMapped(step.addr, size) ? value(mem.peekBytes(step.addr, size), text) : '??';
      return `ld${size * 8} ${at(step.addr)} = ${v}`;
    }
    case 'store8':
    case 'store32':
    case 'store64':
      return `st${(step.size ?? 1) * 8} ${at(step.addr)} ← ${step.size === 1 ? hex2(step.value ?? 0) : step.size === 4 ? String((step.value ?? 0) | 0) : hexAddr(step.value ?? 0)}`;
    case 'mutex_lock':
      return mem.mutexes.owner(step.lock ?? '') === cpu ? `lock ${step.lock}` : `lock ${step.lock} (waits)`;
    case 'mutex_unlock':
      return `unlock ${step.lock}`;
    case 'rcu_read_lock':
      return 'rcu_read_lock';
    case 'rcu_read_unlock':
      return 'rcu_read_unlock';
    case 'sync_rcu':
      return mem.rcu.pendingReaders(cpu).length > 0 ? 'synchronize_rcu (waits)' : 'synchronize_rcu';
    case 'alloc_pages': {
      // a slab allocation (kmalloc, kzalloc, kvmalloc, alloc_percpu) names its call and size; the
      // step does not carry its result, the next store of the pointer shows it
      if (step.call !== undefined && step.order === undefined) return `${step.call}(${step.size ?? '?'})`;
      const blocks = world.kernel.pages.list();
      return `alloc_pages(order ${step.order}) → ${blocks.length > blocksBefore ? `A${blocks.length - 1}` : 'NULL'}`;
    }
    case 'free_pages': {
      const i = world.kernel.pages.list().findIndex((b) => b.addr === step.addr);
      return `free_pages(A${i}, order ${step.order})`;
    }
  }
}

/** Text words in hex (an index as the reader decodes it); data words signed (users can go negative). */
function value(bytes: Uint8Array, text: boolean): string {
  if (bytes.length === 1) return hex2(bytes[0]);
  let v = 0;
  for (let i = bytes.length - 1; i >= 0; i--) v = v * 256 + bytes[i];
  if (bytes.length === 4 && text) return `0x${v.toString(16).padStart(8, '0')}`;
  return bytes.length === 4 ? String(v | 0) : hexAddr(v);
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}
