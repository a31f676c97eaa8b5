/** The implementation contract: the kfunc_md verbs (store.ts) and what an implementation declares (implementation.ts). */
export type { KfuncMdStore, StoreFactory, StoreView, StoreEntry, TrampolineView, EntryLayout } from './store.ts';
export type {
  Declarations,
  Implementation,
  IndexLocation,
  LockDiscipline,
  LockRule,
  SlotPolicy,
  SlotReuse,
} from './implementation.ts';
export { CONTRACT_VERSION, V4_LOCKING, declarationsOf, reuseOf } from './implementation.ts';
