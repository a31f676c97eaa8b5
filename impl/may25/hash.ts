import type { Kernel } from '../kernel/kernel.ts';
import type { Memory } from '../kernel/memory.ts';
import type { PercpuRefRelease } from '../kernel/percpu-ref.ts';
import { HLIST_HEAD_SIZE, hlistAddTailRcu, hlistDelRcu, hlistForEachRcu, hlistPeek } from '../kernel/rcu-hlist.ts';
import type { Addr, Op } from '../kernel/types.ts';
import type { May25Arrays } from './array.ts';
import { ARRAY_USED, KFUNC_MD_HASH_BITS } from './layout.ts';
import type { MdFields } from './md.ts';

/** GOLDEN_RATIO_64 (include/linux/hash.h) */
const GOLDEN_RATIO_64 = 0x61c8864680b583ebn;

/** hash_ptr(ip, bits) on 64-bit = hash_64: (ip * GOLDEN_RATIO_64) >> (64 - bits), mod 2^64 */
export function hashPtr(ip: Addr, bits: number): number {
  const product = (BigInt(ip) * GOLDEN_RATIO_64) & 0xffff_ffff_ffff_ffffn;
  return Number(product >> BigInt(64 - bits));
}

/**
 * Hash table mode (01/25, built without CONFIG_FUNCTION_METADATA_PADDING and chosen when the
 * boot probe disables kfunc_md_use_padding): a fixed kfunc_md_table of 1 << KFUNC_MD_HASH_BITS
 * hlist heads keyed by hash_ptr(ip); mds are kzalloc'ed, counted in kfunc_mds->kfunc_md_used
 * (the empty array's), and freed by kfree_rcu from their percpu_ref release, which never calls
 * percpu_ref_exit (the ref's counters and data leak; kept as posted).
 */
export class May25Hash {
  /** kfunc_md_table: static struct hlist_head[1 << KFUNC_MD_HASH_BITS] */
  readonly table: Addr;
  readonly buckets = 1 << KFUNC_MD_HASH_BITS;
  private readonly mem: Memory;
  private readonly release: PercpuRefRelease;

  constructor(
    private readonly kernel: Kernel,
    private readonly arrays: May25Arrays,
    private readonly f: MdFields,
  ) {
    this.mem = kernel.mem;
    this.table = kernel.defineStatic('kfunc_md_table', new Array<number>(this.buckets * HLIST_HEAD_SIZE).fill(0));
    this.release = (ref) => this.kfuncMdHashRelease(ref);
  }

  /** kfunc_md_hash_head(ip) */
  head(ip: Addr): Addr {
    return this.table + hashPtr(ip, KFUNC_MD_HASH_BITS) * HLIST_HEAD_SIZE;
  }

  /** kfunc_md_hash_get(ip): hlist_for_each_entry_rcu_notrace over the bucket, the md whose func is ip */
  *hashGet(ip: Addr): Op<Addr> {
    let found = 0;
    const f = this.f;
    yield* hlistForEachRcu(this.mem, this.head(ip), function* (node: Addr): Op<boolean> {
      const md = node - f.hashOff;
      if ((yield* f.func(md)) !== ip) return false;
      found = md;
      return true;
    });
    return found;
  }

  /**
   * kfunc_md_hash_create(ip, nr_args), kfunc_md_mutex held: an existing md gains a user; else
   * kzalloc, users = 1, func, nr_args, percpu_ref_init (failure: kfree, NULL),
   * hlist_add_tail_rcu, atomic_inc(&kfunc_mds->kfunc_md_used).
   */
  *hashCreate(ip: Addr, nrArgs: number): Op<Addr> {
    const { mem, f } = this;
    const found = yield* this.hashGet(ip);
    if (found) {
      yield* f.incUsers(found);
      return found;
    }
    const md = yield* this.kernel.slab.kzalloc(f.l.size);
    if (!md) return 0;
    yield* f.storeUsers(md, 0, 1);
    yield* mem.store64(md + f.l.func, ip);
    yield* mem.store8(md + f.l.nrArgs, nrArgs);
    if ((yield* this.kernel.percpuRef.init(f.pcref(md), this.release, 0)) !== 0) {
      yield* this.kernel.slab.kfree(md);
      return 0;
    }
    yield* hlistAddTailRcu(mem, md + f.hashOff, this.head(ip));
    const arr = yield* this.arrays.current();
    yield* mem.atomicAdd('atomic_inc', arr + ARRAY_USED, 1);
    return md;
  }

  /** kfunc_md_hash_put(md), kfunc_md_mutex held: WARN on users <= 0; users--; at 0 hlist_del_rcu, percpu_ref_kill, used-- */
  *hashPut(md: Addr): Op<void> {
    const { mem, f } = this;
    const left = yield* f.dropUser(md, (message) => this.kernel.warn('put-users', message));
    if (left === null || left > 0) return;
    yield* hlistDelRcu(mem, md + f.hashOff);
    yield* this.kernel.percpuRef.kill(f.pcref(md));
    const arr = yield* this.arrays.current();
    yield* mem.atomicAdd('atomic_dec', arr + ARRAY_USED, -1);
  }

  /** Every linked md, with peeks (no step), for inspect(). */
  peekAll(): Addr[] {
    const mds: Addr[] = [];
    for (let b = 0; b < this.buckets; b++) {
      for (const node of hlistPeek(this.mem, this.table + b * HLIST_HEAD_SIZE)) mds.push(node - this.f.hashOff);
    }
    return mds;
  }

  /** kfunc_md_hash_release(pcref): kfree_rcu(md, rcu) */
  private *kfuncMdHashRelease(ref: Addr): Op<void> {
    yield* this.kernel.slab.kfreeRcu(this.f.ofPcref(ref), this.f.rcuOff);
  }
}
