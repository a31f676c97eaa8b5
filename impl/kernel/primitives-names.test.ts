import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The kernel primitives later designs use carry their C names in identifiers or doc comments, as
// impl/kernel-names.test.ts asks of the rest of impl/: `grep -rn call_rcu_tasks impl` finds them.
const NAMES = [
  // RCU flavours
  'rcu_read_lock_trace',
  'rcu_read_unlock_trace',
  'synchronize_rcu_tasks',
  'synchronize_rcu_tasks_trace',
  'call_rcu',
  'call_rcu_tasks',
  'call_rcu_tasks_trace',
  'rcu_barrier',
  'rcu_barrier_tasks',
  'rcu_barrier_tasks_trace',
  'rcu_do_batch',
  'rcu_trace_implies_rcu_gp',
  'struct rcu_head',
  // allocation
  'kmalloc',
  'kzalloc',
  'kvmalloc',
  'kvzalloc',
  'kvmalloc_array',
  'kvcalloc',
  'kfree',
  'kvfree',
  'kfree_rcu',
  'alloc_percpu',
  'free_percpu',
  'ZERO_SIZE_PTR',
  '__GFP_ZERO',
  'POISON_FREE',
  'KMALLOC_MAX_CACHE_SIZE',
  'KMALLOC_MAX_SIZE',
  // percpu_ref
  'struct percpu_ref',
  'percpu_ref_init',
  'percpu_ref_get',
  'percpu_ref_tryget',
  'percpu_ref_tryget_live',
  'percpu_ref_put',
  'percpu_ref_kill',
  'percpu_ref_kill_and_confirm',
  'percpu_ref_exit',
  'percpu_ref_is_dying',
  'percpu_ref_switch_to_atomic_rcu',
  '__PERCPU_REF_ATOMIC',
  '__PERCPU_REF_DEAD',
  'PERCPU_COUNT_BIAS',
  'PERCPU_REF_INIT_ATOMIC',
  'this_cpu_add',
  // RCU hlists
  'struct hlist_node',
  'hlist_add_head_rcu',
  'hlist_add_tail_rcu',
  'hlist_del_rcu',
  'hlist_del_init_rcu',
  'hlist_for_each_entry_rcu',
  'LIST_POISON2',
  'INIT_HLIST_HEAD',
  // rhashtable
  'struct rhashtable',
  'struct bucket_table',
  'rhashtable_init',
  'rhashtable_lookup',
  'rhashtable_lookup_fast',
  'rhashtable_insert_fast',
  'rhashtable_lookup_insert_fast',
  'rhashtable_remove_fast',
  'rhashtable_free_and_destroy',
  'rht_deferred_worker',
  'rhashtable_rehash_one',
  'rhashtable_insert_rehash',
  'RHT_NULLS_MARKER',
  'future_tbl',
  'automatic_shrinking',
];

function sources(): string[] {
  const dir = import.meta.dirname;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}

function token(name: string): RegExp {
  return new RegExp(`(?<![A-Za-z0-9_])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_])`);
}

describe('kernel primitives: C names are greppable', () => {
  it('every name appears in impl/kernel/', () => {
    const files = sources();
    expect(NAMES.filter((n) => !files.some((f) => token(n).test(f)))).toEqual([]);
    expect(NAMES.filter((n, i) => NAMES.indexOf(n) !== i)).toEqual([]);
  });
});
