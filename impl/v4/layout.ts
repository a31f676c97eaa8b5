/**
 * struct kfunc_md as v2..v4 define it on 64-bit: int users; int pad0; void *func; (16 bytes).
 */
/** sizeof(struct kfunc_md) */
export const MD_SIZE = 16;
/** offsetof(struct kfunc_md, users): int, the reference count */
export const MD_USERS = 0;
/** offsetof(struct kfunc_md, pad0): int, reserved (keeps func 8-byte aligned) */
export const MD_PAD0 = 4;
/** offsetof(struct kfunc_md, func): void *, the function entry */
export const MD_FUNC = 8;

/** static DEFINE_MUTEX(kfunc_md_mutex): serialises every metadata write */
export const KFUNC_MD_MUTEX = 'kfunc_md_mutex';

/** ENTRIES_PER_PAGE = PAGE_SIZE / sizeof(struct kfunc_md) */
export function entriesPerPage(pageSize: number): number {
  return Math.floor(pageSize / MD_SIZE);
}

/** v4's order helper kfunc_md_page_order(): fls(DIV_ROUND_UP(count, ENTRIES_PER_PAGE)) - 1, i.e. log2(pages). */
export function orderOf(count: number, perPage: number): number {
  const pages = Math.ceil(count / perPage);
  return pages === 0 ? -1 : 31 - Math.clz32(pages);
}
