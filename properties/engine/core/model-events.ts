import type { Design, ModelEvent } from '../../../model/index.ts';

/** A CPU calls a verb that needs kfunc_md_mutex held (may25's put) inside kfunc_md_lock()/unlock(). */
function locked(rule: 'caller-holds' | 'takes' | undefined, event: ModelEvent): readonly ModelEvent[] {
  return rule === 'caller-holds' ? [{ type: 'LOCK' }, event, { type: 'UNLOCK' }] : [event];
}
import type { Operation } from './operations.ts';

/**
 * The model events an operation is, in order: one for a kfunc_md call or a fault, three for a
 * CPU's locked get (LOCK, GET, UNLOCK). `putIndex` is the slot of the md a put passes (from the
 * caller's own get); `observedIndex` is the slot a get returned, for a model that judges slot
 * choice by relation. Both drivers and the linearizability spec step the model through this.
 */
export function modelEvents(
  op: Operation,
  at: {
    putIndex?: number;
    observedIndex?: number;
    observedNull?: boolean;
    /** a CPU's operation as a whole: the design's lock rules say whether it takes kfunc_md_mutex around the call */
    locking?: Design['locking'];
  } = {},
): readonly ModelEvent[] {
  const observed = {
    ...(at.observedIndex !== undefined ? { observedIndex: at.observedIndex } : {}),
    ...(at.observedNull === true ? { observedNull: true } : {}),
  };
  switch (op.op) {
    case 'lock':
      return [{ type: 'LOCK' }];
    case 'unlock':
      return [{ type: 'UNLOCK' }];
    case 'get':
      return [{ type: 'GET', fn: op.fn, ...observed }];
    case 'locked_get':
      // a design whose get takes kfunc_md_mutex itself is called without it
      return at.locking?.get === 'takes'
        ? [{ type: 'GET', fn: op.fn, ...observed }]
        : [{ type: 'LOCK' }, { type: 'GET', fn: op.fn, ...observed }, { type: 'UNLOCK' }];
    case 'put':
      // a put without a slot to name cannot be judged: the drivers never issue one
      return at.putIndex === undefined ? [] : locked(at.locking?.put, { type: 'PUT', index: at.putIndex });
    case 'put_by_ip':
      return locked(at.locking?.putByIp, { type: 'PUT_BY_IP', fn: op.fn });
    case 'find':
    case 'tramp':
      return [{ type: 'FIND', fn: op.fn }];
    case 'fail_alloc':
      return [{ type: 'FAIL_ALLOC' }];
    case 'quiesce':
      return [{ type: 'GRACE' }];
    case 'foreign_write':
      return [{ type: 'FOREIGN_WRITE', fn: op.fn, bytes: op.bytes }];
  }
}
