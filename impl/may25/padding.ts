import type { ArchHooks } from '../arch/hooks.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { hex } from '../kernel/le.ts';
import type { Memory } from '../kernel/memory.ts';
import type { Addr, Op } from '../kernel/types.ts';
import type { May25Arrays } from './array.ts';
import { ARRAY_MDS, ARRAY_USED, KFUNC_MD_FL_DEAD } from './layout.ts';
import type { MdFields } from './md.ts';
import { kfuncMdTextPoke } from './text.ts';

/**
 * Padding mode (the `fast` half of kernel/trace/kfunc_md.c, 01/25): the index instruction in
 * the function padding, the md in the current kfunc_md_array.
 */
export class May25Padding {
  private readonly mem: Memory;

  constructor(
    private readonly kernel: Kernel,
    private readonly hooks: ArchHooks,
    private readonly arrays: May25Arrays,
    private readonly f: MdFields,
  ) {
    this.mem = kernel.mem;
  }

  /**
   * kfunc_md_fast_get(ip): kfunc_md_arch_exist(ip, insn_offset), then
   * READ_ONCE(kfunc_mds->mds) + kfunc_md_get_index(ip). No bound check (v4's WARN is gone), no
   * md->func check, no NULL check: an index past the count is a pointer past the array.
   */
  *fastGet(ip: Addr): Op<Addr> {
    if (!(yield* this.hooks.exist(ip))) return 0;
    // kfunc_md_get_index(ip): *(u32 *)(ip - data_offset)
    const index = yield* this.mem.load32(ip - this.hooks.dataOffset);
    const arr = yield* this.arrays.current();
    const mds = yield* this.mem.loadAs('READ_ONCE', arr + ARRAY_MDS);
    return mds + index * this.f.l.size;
  }

  /**
   * kfunc_md_fast_create(ip, nr_args), kfunc_md_mutex held: an existing md gains a user; else
   * kfunc_md_fast_next, memset, percpu_ref_init (failure: NULL with used left incremented),
   * poke (failure: used--, ref exit, NULL), and only then users, func, array, nr_args.
   */
  *fastCreate(ip: Addr, nrArgs: number): Op<Addr> {
    const { mem, f } = this;
    const found = yield* this.fastGet(ip);
    if (found) {
      yield* f.incUsers(found);
      return found;
    }
    const slot = yield* this.arrays.fastNext();
    if (!slot) return 0;
    const md = slot.md;
    yield* f.memset0(md);
    if ((yield* this.kernel.percpuRef.init(f.pcref(md), this.arrays.release, 0)) !== 0) return 0;
    const insn = this.hooks.pretend(slot.index);
    const nop = this.hooks.nops();
    if ((yield* kfuncMdTextPoke(mem, this.hooks, ip, insn, nop)) !== 0) {
      const arr = yield* this.arrays.current();
      yield* mem.atomicAdd('atomic_dec', arr + ARRAY_USED, -1);
      yield* this.kernel.percpuRef.exit(f.pcref(md));
      return 0;
    }
    // the index is live already: a reader in between sees the zeroed entry (spec §6)
    yield* f.storeUsers(md, 0, 1);
    yield* mem.store64(md + f.l.func, ip);
    yield* mem.store64(md + f.arrayOff, yield* this.arrays.current());
    yield* mem.store8(md + f.l.nrArgs, nrArgs);
    return md;
  }

  /**
   * kfunc_md_fast_put(md), kfunc_md_mutex held: WARN on users <= 0; users--; at 0, WARN and
   * return if !kfunc_md_arch_exist(md->func) (used and the ref leak); else used-- on md->array,
   * restore the NOPs, md->flags |= KFUNC_MD_FL_DEAD, percpu_ref_kill.
   */
  *fastPut(md: Addr): Op<void> {
    const { mem, f } = this;
    const left = yield* f.dropUser(md, (message) => this.kernel.warn('put-users', message));
    if (left === null || left > 0) return;
    const func = yield* f.func(md);
    if (!(yield* this.hooks.exist(func))) {
      this.kernel.warn('put-exist', `kfunc_md_fast_put(${hex(md)}): no instruction before ${hex(func)}`);
      return;
    }
    const arr = yield* mem.load64(md + f.arrayOff);
    yield* mem.atomicAdd('atomic_dec', arr + ARRAY_USED, -1);
    yield* kfuncMdTextPoke(mem, this.hooks, func, null, this.hooks.nops());
    // not reused until kfunc_md_release clears it
    yield* f.storeFlags(md, (yield* f.flags(md)) | KFUNC_MD_FL_DEAD);
    yield* this.kernel.percpuRef.kill(f.pcref(md));
  }
}
