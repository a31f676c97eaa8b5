import type { ModelEvent } from '../../../model/index.ts';
import type { Operation } from './operations.ts';

/**
 * The model events an operation is, in order: one for a kfunc_md call or a fault, three for a
 * CPU's locked get (LOCK, GET, UNLOCK). `putIndex` is the slot of the md a put passes (from the
 * caller's own get); `observedIndex` is the slot a get returned, for a model that judges slot
 * choice by relation. Both drivers and the linearizability spec step the model through this.
 */
export function modelEvents(
  op: Operation,
  at: { putIndex?: number; observedIndex?: number; observedNull?: boolean; getTakesLock?: boolean } = {},
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
      return at.getTakesLock === true
        ? [{ type: 'GET', fn: op.fn, ...observed }]
        : [{ type: 'LOCK' }, { type: 'GET', fn: op.fn, ...observed }, { type: 'UNLOCK' }];
    case 'put':
      // a put without a slot to name cannot be judged: the drivers never issue one
      return at.putIndex === undefined ? [] : [{ type: 'PUT', index: at.putIndex }];
    case 'put_by_ip':
      return [{ type: 'PUT_BY_IP', fn: op.fn }];
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
