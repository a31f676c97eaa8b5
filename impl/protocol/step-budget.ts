import type { Implementation, KfuncMdStore } from '../contract/index.ts';
import type { Op } from '../kernel/types.ts';

/**
 * The step budget for an in-process plugin (`--impl FILE`): an operation whose generator yields
 * more than `budget` steps (blocked re-yields aside: those wait for another CPU) throws, which
 * the executors report as a crash naming the budget. Without it an operation that yields forever
 * ends a sequential run as a 10-million-step "runaway" and a concurrent one as an internal error.
 * A plugin that loops without yielding cannot be stopped from inside the process: kfmd hangs.
 */
export function withStepBudget(impl: Implementation, budget: number): Implementation {
  return { ...impl, create: (kernel) => budgeted(impl.create(kernel), budget) };
}

function budgeted(store: KfuncMdStore, budget: number): KfuncMdStore {
  const limit = <T>(verb: string, op: Op<T>): Op<T> => limited(op, verb, budget);
  return {
    name: store.name,
    lock: () => limit('lock', store.lock()),
    unlock: () => limit('unlock', store.unlock()),
    get: (ip) => limit('get', store.get(ip)),
    put: (md) => limit('put', store.put(md)),
    putByIp: (ip) => limit('put_by_ip', store.putByIp(ip)),
    find: (ip) => limit('find', store.find(ip)),
    trampoline: (ip, opts) => limit('trampoline', store.trampoline(ip, opts)),
    inspect: () => store.inspect(),
  };
}

function* limited<T>(op: Op<T>, verb: string, budget: number): Op<T> {
  let steps = 0;
  for (let r = op.next(); ; r = op.next()) {
    if (r.done) return r.value;
    if (!r.value.blocked && ++steps > budget)
      throw new Error(`${verb} took more than ${budget} steps (the step budget per operation)`);
    yield r.value;
  }
}
