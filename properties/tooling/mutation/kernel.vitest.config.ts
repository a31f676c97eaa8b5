import { mutationVitestConfig } from './groups.ts';

// impl/kernel's primitives and plumbing (memory, pages, slab, RCU, percpu_ref, hlist,
// rhashtable, workqueue, mutexes, events, run): the kernel's own unit tests. The text has its
// own group (kernel-text) so these mutants do not pay for the layout checks.
export default mutationVitestConfig(['impl/kernel/*.test.ts']);
