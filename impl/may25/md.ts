import { hex } from '../kernel/le.ts';
import type { Memory } from '../kernel/memory.ts';
import type { Addr, Op } from '../kernel/types.ts';
import type { May25Layout } from './layout.ts';

/**
 * Plain accesses to struct kfunc_md fields, one step each. users is a u16 sharing a 32-bit word
 * with bpf_prog_cnt and nr_args; the simulated memory has no 16-bit access, so a u16 load is a
 * 32-bit load masked, and a u16 store a 32-bit store of the word read just before with the low
 * half replaced (all three fields are written only under kfunc_md_mutex, so no neighbour's write
 * can be lost in between).
 */
export class MdFields {
  constructor(
    private readonly mem: Memory,
    readonly l: May25Layout,
  ) {}

  /** offsetof(struct kfunc_md, array): padding mode only (CONFIG_FUNCTION_METADATA) */
  get arrayOff(): number {
    if (this.l.array === null) throw new Error('struct kfunc_md has no array field without CONFIG_FUNCTION_METADATA');
    return this.l.array;
  }

  /** offsetof(struct kfunc_md, hash): hash table builds only (no CONFIG_FUNCTION_METADATA_PADDING) */
  get hashOff(): number {
    if (this.l.hash === null) throw new Error('struct kfunc_md has no hash node with CONFIG_FUNCTION_METADATA_PADDING');
    return this.l.hash;
  }

  /** offsetof(struct kfunc_md, rcu): hash table builds only */
  get rcuOff(): number {
    if (this.l.rcu === null) throw new Error('struct kfunc_md has no rcu head with CONFIG_FUNCTION_METADATA_PADDING');
    return this.l.rcu;
  }

  /** md->users as the 32-bit word it lives in (users | bpf_prog_cnt << 16 | nr_args << 24) */
  *usersWord(md: Addr): Op<number> {
    return yield* this.mem.load32(md + this.l.users);
  }

  /** md->users */
  *users(md: Addr): Op<number> {
    return (yield* this.usersWord(md)) & 0xffff;
  }

  /** md->users = users, given the word read before */
  *storeUsers(md: Addr, word: number, users: number): Op<void> {
    yield* this.mem.store32(md + this.l.users, ((word & 0xffff0000) | (users & 0xffff)) >>> 0);
  }

  /**
   * The start of kfunc_md_fast_put and kfunc_md_hash_put: WARN_ON_ONCE(md->users <= 0), else
   * md->users--. The users left, or null when the WARN fired (nothing changed).
   */
  *dropUser(md: Addr, warn: (message: string) => void): Op<number | null> {
    const word = yield* this.usersWord(md);
    const users = word & 0xffff;
    if (users <= 0) {
      warn(`kfunc_md_put_entry(${hex(md)}): users ${users} <= 0`);
      return null;
    }
    yield* this.storeUsers(md, word, users - 1);
    return users - 1;
  }

  /** md->users++ (a plain read-modify-write of the u16) */
  *incUsers(md: Addr): Op<void> {
    const word = yield* this.usersWord(md);
    yield* this.storeUsers(md, word, (word & 0xffff) + 1);
  }

  /** md->flags */
  *flags(md: Addr): Op<number> {
    return yield* this.mem.load32(md + this.l.flags);
  }

  /** md->flags = flags */
  *storeFlags(md: Addr, flags: number): Op<void> {
    yield* this.mem.store32(md + this.l.flags, flags);
  }

  /** md->func */
  *func(md: Addr): Op<Addr> {
    return yield* this.mem.load64(md + this.l.func);
  }

  /** &md->pcref */
  pcref(md: Addr): Addr {
    return md + this.l.pcref;
  }

  /** container_of(pcref, struct kfunc_md, pcref) */
  ofPcref(ref: Addr): Addr {
    return ref - this.l.pcref;
  }

  /** memset(md, 0, sizeof(*md)) in 8-byte stores */
  *memset0(md: Addr): Op<void> {
    for (let off = 0; off < this.l.size; off += 8) yield* this.mem.store64(md + off, 0);
  }

  /** users read with a peek (no step), for inspect() */
  peekUsers(md: Addr): number {
    return this.mem.peek32(md + this.l.users) & 0xffff;
  }

  /** func read with a peek */
  peekFunc(md: Addr): Addr {
    return this.mem.peek64(md + this.l.func);
  }
}
