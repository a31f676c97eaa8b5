/**
 * `u16 users` of the July and rhashtable struct kfunc_md. The simulation has no 16-bit access,
 * so users is read and written as the low half of the 32-bit word it starts, whose upper half is
 * bpf_origin_call and bpf_prog_cnt. Those change only under kfunc_md_mutex, as users does, so a
 * 32-bit store that carries the upper half it loaded keeps them intact; and a lone 32-bit load
 * is one access, as the u16 load is (it also reads bpf_origin_call, as bpf_global_caller_run does).
 */

/** md->users from the 32-bit word at &md->users */
export function usersOf(word: number): number {
  return word & 0xffff;
}

/** The word at &md->users with users replaced (u16 arithmetic: 0 - 1 wraps to 65535, as in C). */
export function withUsers(word: number, users: number): number {
  return ((word & 0xffff0000) | (users & 0xffff)) >>> 0;
}
