import type { Kernel } from '../kernel/kernel.ts';
import { EEXIST, EINVAL, ENOMEM } from '../kernel/types.ts';
import type { Addr, Op } from '../kernel/types.ts';
import {
  BPF_TRAMP_FEXIT,
  BPF_TRAMP_MODIFY_RETURN,
  KFUNC_MD_FL_TRACING_ORIGIN,
  TRAMP_PROG_COOKIE,
  TRAMP_PROG_NEXT,
  TRAMP_PROG_PROG,
  TRAMP_PROG_RCU,
  TRAMP_PROG_SIZE,
} from './layout.ts';
import type { MdFields } from './md.ts';

/**
 * kfunc_md_bpf_link / kfunc_md_bpf_unlink (04/25), kfunc_md_mutex held: a prog appended to or
 * removed from md->bpf_progs[type], bpf_prog_cnt kept, KFUNC_MD_FL_TRACING_ORIGIN set while an
 * fexit or fmod_ret prog is linked (the trampoline then takes a percpu_ref around the origin call).
 * `prog` is a struct bpf_prog * the caller owns; only its address is stored.
 */
export class May25BpfLink {
  constructor(
    private readonly kernel: Kernel,
    private readonly f: MdFields,
  ) {}

  /** &md->bpf_progs[type] */
  private head(md: Addr, type: number): Addr {
    return md + this.f.l.bpfProgs + 8 * type;
  }

  /** kfunc_md_bpf_link(md, prog, type, cookie): 0, -EEXIST or -ENOMEM */
  *link(md: Addr, prog: Addr, type: number, cookie = 0): Op<number> {
    const mem = this.kernel.mem;
    for (let tp = yield* mem.load64(this.head(md, type)); tp; tp = yield* mem.load64(tp + TRAMP_PROG_NEXT)) {
      if ((yield* mem.load64(tp + TRAMP_PROG_PROG)) === prog) return -EEXIST;
    }
    const tp = yield* this.kernel.slab.kmalloc(TRAMP_PROG_SIZE);
    if (!tp) return -ENOMEM;
    yield* mem.store64(tp + TRAMP_PROG_PROG, prog);
    yield* mem.store64(tp + TRAMP_PROG_COOKIE, cookie);
    yield* mem.store64(tp + TRAMP_PROG_NEXT, 0);
    let last = this.head(md, type);
    for (let p = yield* mem.load64(last); p; p = yield* mem.load64(last)) last = p + TRAMP_PROG_NEXT;
    yield* mem.store64(last, tp);
    yield* this.addProgCnt(md, 1);
    if (type === BPF_TRAMP_FEXIT || type === BPF_TRAMP_MODIFY_RETURN)
      yield* this.f.storeFlags(md, (yield* this.f.flags(md)) | KFUNC_MD_FL_TRACING_ORIGIN);
    return 0;
  }

  /** kfunc_md_bpf_unlink(md, prog, type): 0 or -EINVAL; the kfunc_md_tramp_prog is kfree_rcu'd */
  *unlink(md: Addr, prog: Addr, type: number): Op<number> {
    const mem = this.kernel.mem;
    let prev = this.head(md, type);
    let cur = yield* mem.load64(prev);
    while (cur && (yield* mem.load64(cur + TRAMP_PROG_PROG)) !== prog) {
      prev = cur + TRAMP_PROG_NEXT;
      cur = yield* mem.load64(prev);
    }
    if (!cur) return -EINVAL;
    yield* mem.store64(prev, yield* mem.load64(cur + TRAMP_PROG_NEXT));
    yield* this.kernel.slab.kfreeRcu(cur, TRAMP_PROG_RCU);
    yield* this.addProgCnt(md, -1);
    const fexit = yield* mem.load64(this.head(md, BPF_TRAMP_FEXIT));
    const fmodRet = yield* mem.load64(this.head(md, BPF_TRAMP_MODIFY_RETURN));
    if (!fexit && !fmodRet) yield* this.f.storeFlags(md, (yield* this.f.flags(md)) & ~KFUNC_MD_FL_TRACING_ORIGIN);
    return 0;
  }

  /** md->bpf_prog_cnt += delta (u8) */
  private *addProgCnt(md: Addr, delta: number): Op<void> {
    const mem = this.kernel.mem;
    const cnt = yield* mem.load8(md + this.f.l.bpfProgCnt);
    yield* mem.store8(md + this.f.l.bpfProgCnt, (cnt + delta) & 0xff);
  }
}
