import type { Addr, Op } from '../kernel/types.ts';
import { V4Store } from '../v4/store.ts';

/** V4Store with its internal text_poke_helper (kfunc_md_text_poke) reachable, for decision-table tests. */
export class ProbeStore extends V4Store {
  helper(ip: Addr, insn: Uint8Array | null): Op<number> {
    return this.textPokeHelper(ip, insn, this.hooks.nops());
  }
}
