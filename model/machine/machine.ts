import { assign, setup } from 'xstate';
import { nopPattern } from '../encoding/window.ts';
import { planFind, planForeignWrite, planGet, planGrace, planPut, planPutByIp, withOutcome } from './semantics.ts';
import { V4_DESIGN } from './types.ts';
import type { GetResult, ModelContext, ModelEvent, ModelInput } from './types.ts';
import type { FindKind, PutKind } from './semantics.ts';

/**
 * The kfunc_md specification as an xstate machine. States carry the lock
 * contract (v4: kfunc_md_get needs kfunc_md_mutex held via kfunc_md_lock; kfunc_md_put and
 * kfunc_md_put_by_ip take it themselves; other designs say per verb, ModelInput.design);
 * every outcome of every operation is its own guarded transition, so the
 * machine's graph is also the coverage map of the suites.
 */
/**
 * Guards and actions of one event all need the same plan; a one-entry cache
 * keyed on the (immutable) context and event objects computes it once.
 */
function cached<E, P>(compute: (context: ModelContext, event: E) => P): (context: ModelContext, event: E) => P {
  let lastContext: ModelContext | null = null;
  let lastEvent: E | null = null;
  let lastPlan: P | null = null;
  return (context, event) => {
    if (context !== lastContext || event !== lastEvent) {
      lastPlan = compute(context, event);
      lastContext = context;
      lastEvent = event;
    }
    return lastPlan as P;
  };
}

type Ev<T extends ModelEvent['type']> = Extract<ModelEvent, { type: T }>;
const getPlan = cached((c, e: Ev<'GET'>) => planGet(c, e.fn, e.observedIndex, e.observedNull === true));
const findPlan = cached((c, e: Ev<'FIND'>) => planFind(c, e.fn));
const putPlan = cached((c, e: Ev<'PUT'>) => planPut(c, e.index));
const putByIpPlan = cached((c, e: Ev<'PUT_BY_IP'>) => planPutByIp(c, e.fn));

const getIs =
  (kind: GetResult) =>
  ({ context, event }: { context: ModelContext; event: ModelEvent }) =>
    event.type === 'GET' && getPlan(context, event).kind === kind;
const findIs =
  (kind: FindKind) =>
  ({ context, event }: { context: ModelContext; event: ModelEvent }) =>
    event.type === 'FIND' && findPlan(context, event).kind === kind;
const putIs =
  (kind: PutKind) =>
  ({ context, event }: { context: ModelContext; event: ModelEvent }) =>
    event.type === 'PUT' && putPlan(context, event).kind === kind;
const putByIpIs =
  (kind: PutKind) =>
  ({ context, event }: { context: ModelContext; event: ModelEvent }) =>
    event.type === 'PUT_BY_IP' && putByIpPlan(context, event).kind === kind;

export const DEADLOCK_PUT = 'kfunc_md_put takes kfunc_md_mutex itself: called with it held, it self-deadlocks (D10)';
export const DEADLOCK_PUT_BY_IP =
  'kfunc_md_put_by_ip takes kfunc_md_mutex itself: called with it held, it self-deadlocks (D10)';
export const DEADLOCK_LOCK = 'kfunc_md_lock while already holding kfunc_md_mutex: self-deadlock';
export const MISUSE_GET =
  'kfunc_md_get requires the caller to hold kfunc_md_mutex (D10: data race on used/count/users)';
export const DEADLOCK_GET =
  "this design's kfunc_md_get takes kfunc_md_mutex itself: called with it held, it self-deadlocks";
export const MISUSE_PUT = "this design's kfunc_md_put requires the caller to hold kfunc_md_mutex";
export const MISUSE_PUT_BY_IP = "this design's kfunc_md_put_by_ip requires the caller to hold kfunc_md_mutex";
export const MISUSE_UNLOCK = 'kfunc_md_unlock without holding kfunc_md_mutex';

/** One guarded transition per outcome kind (on `alive`: whichever lock state let the call through). */
const GET_OUTCOMES = [
  { guard: 'getNoPadding', actions: 'applyGet' },
  { guard: 'getExisting', actions: 'applyGet' },
  { guard: 'getInstalledFirst', actions: 'applyGet' },
  { guard: 'getInstalledFree', actions: 'applyGet' },
  { guard: 'getInstalledGrow', actions: 'applyGet' },
  { guard: 'getAlreadyEqual', actions: 'applyGet' },
  { guard: 'getEbusy', actions: 'applyGet' },
  { guard: 'getEnomem', actions: 'applyGet' },
  { guard: 'getMaxOrder', actions: 'applyGet' },
  { guard: 'getCreated', actions: 'applyGet' },
] as const;
const PUT_OUTCOMES = [
  { guard: 'putReleasedRestored', actions: 'applyPut' },
  { guard: 'putReleasedLeft', actions: 'applyPut' },
  { guard: 'putDroppedRef', actions: 'applyPut' },
  { guard: 'putDouble', actions: 'applyPut' },
] as const;
const PUT_BY_IP_OUTCOMES = [
  { guard: 'putByIpReleasedRestored', actions: 'applyPutByIp' },
  { guard: 'putByIpReleasedLeft', actions: 'applyPutByIp' },
  { guard: 'putByIpDroppedRef', actions: 'applyPutByIp' },
  { guard: 'putByIpNoMd', actions: 'applyPutByIp' },
] as const;

export const kfuncMdMachine = setup({
  types: {
    context: {} as ModelContext,
    events: {} as ModelEvent,
    input: {} as ModelInput,
  },
  guards: {
    getNoPadding: getIs('no-padding'),
    getExisting: getIs('existing'),
    getInstalledFirst: getIs('installed-first'),
    getInstalledFree: getIs('installed-free'),
    getInstalledGrow: getIs('installed-grow'),
    getAlreadyEqual: getIs('already-equal'),
    getEbusy: getIs('ebusy'),
    getEnomem: getIs('enomem'),
    getMaxOrder: getIs('max-order'),
    getCreated: getIs('created'),
    getNeedsLock: ({ context }) => context.design.locking.get === 'caller-holds',
    getTakesLock: ({ context }) => context.design.locking.get === 'takes',
    putNeedsLock: ({ context }) => context.design.locking.put === 'caller-holds',
    putTakesLock: ({ context }) => context.design.locking.put === 'takes',
    putByIpNeedsLock: ({ context }) => context.design.locking.putByIp === 'caller-holds',
    putByIpTakesLock: ({ context }) => context.design.locking.putByIp === 'takes',
    findHit: findIs('find-hit'),
    findNoPadding: findIs('find-no-padding'),
    findMiss: findIs('find-miss'),
    putReleasedRestored: putIs('put-released-restored'),
    putReleasedLeft: putIs('put-released-left'),
    putDroppedRef: putIs('put-dropped-ref'),
    putDouble: putIs('put-double'),
    putByIpReleasedRestored: putByIpIs('put-released-restored'),
    putByIpReleasedLeft: putByIpIs('put-released-left'),
    putByIpDroppedRef: putByIpIs('put-dropped-ref'),
    putByIpNoMd: putByIpIs('put-no-md'),
    foreignWriteIntoWindow: ({ context, event }) => event.type === 'FOREIGN_WRITE' && context.padded[event.fn] === true,
  },
  actions: {
    applyGet: assign(({ context, event }) => (event.type === 'GET' ? getPlan(context, event).next : context)),
    applyFind: assign(({ context, event }) => (event.type === 'FIND' ? findPlan(context, event).next : context)),
    applyPut: assign(({ context, event }) => (event.type === 'PUT' ? putPlan(context, event).next : context)),
    applyPutByIp: assign(({ context, event }) =>
      event.type === 'PUT_BY_IP' ? putByIpPlan(context, event).next : context,
    ),
    applyForeignWrite: assign(({ context, event }) =>
      event.type === 'FOREIGN_WRITE' ? planForeignWrite(context, event.fn, event.bytes) : context,
    ),
    failNextAlloc: assign(({ context }) =>
      withOutcome(
        { ...context, pendingAllocFailures: context.pendingAllocFailures + 1 },
        { op: 'fail-alloc', warn: null },
      ),
    ),
    applyGrace: assign(({ context }) => planGrace(context)),
    noteLock: assign(({ context }) => withOutcome(context, { op: 'lock', warn: null })),
    noteUnlock: assign(({ context }) => withOutcome(context, { op: 'unlock', warn: null })),
    violate: assign((_, params: { why: string }) => ({ violation: params.why, outcome: null })),
  },
}).createMachine({
  id: 'kfunc_md',
  context: ({ input }) => initialContext(input),
  initial: 'alive',
  states: {
    alive: {
      initial: 'unlocked',
      on: {
        // the outcomes, once the child state's lock rule has let the call through
        GET: [...GET_OUTCOMES],
        PUT: [...PUT_OUTCOMES],
        PUT_BY_IP: [...PUT_BY_IP_OUTCOMES],
        FIND: [
          { guard: 'findHit', actions: 'applyFind' },
          { guard: 'findNoPadding', actions: 'applyFind' },
          { guard: 'findMiss', actions: 'applyFind' },
        ],
        FAIL_ALLOC: { actions: 'failNextAlloc' },
        GRACE: { actions: 'applyGrace' },
        // a function without padding has no window: the event is ignored (no transition)
        FOREIGN_WRITE: { guard: 'foreignWriteIntoWindow', actions: 'applyForeignWrite' },
      },
      // each lock state rejects the calls its lock rule forbids; the rest fall through to `alive`
      states: {
        unlocked: {
          on: {
            LOCK: { target: 'locked', actions: 'noteLock' },
            UNLOCK: { target: '#kfunc_md.misused', actions: { type: 'violate', params: { why: MISUSE_UNLOCK } } },
            GET: {
              guard: 'getNeedsLock',
              target: '#kfunc_md.misused',
              actions: { type: 'violate', params: { why: MISUSE_GET } },
            },
            PUT: {
              guard: 'putNeedsLock',
              target: '#kfunc_md.misused',
              actions: { type: 'violate', params: { why: MISUSE_PUT } },
            },
            PUT_BY_IP: {
              guard: 'putByIpNeedsLock',
              target: '#kfunc_md.misused',
              actions: { type: 'violate', params: { why: MISUSE_PUT_BY_IP } },
            },
          },
        },
        locked: {
          on: {
            LOCK: { target: '#kfunc_md.deadlocked', actions: { type: 'violate', params: { why: DEADLOCK_LOCK } } },
            UNLOCK: { target: 'unlocked', actions: 'noteUnlock' },
            GET: {
              guard: 'getTakesLock',
              target: '#kfunc_md.deadlocked',
              actions: { type: 'violate', params: { why: DEADLOCK_GET } },
            },
            PUT: {
              guard: 'putTakesLock',
              target: '#kfunc_md.deadlocked',
              actions: { type: 'violate', params: { why: DEADLOCK_PUT } },
            },
            PUT_BY_IP: {
              guard: 'putByIpTakesLock',
              target: '#kfunc_md.deadlocked',
              actions: { type: 'violate', params: { why: DEADLOCK_PUT_BY_IP } },
            },
          },
        },
      },
    },
    deadlocked: { type: 'final' },
    misused: { type: 'final' },
  },
});

export function initialContext(input: ModelInput): ModelContext {
  if (!Number.isInteger(input.entriesPerPage) || input.entriesPerPage < 1)
    throw new RangeError('entriesPerPage must be a positive integer');
  if (!Number.isInteger(input.maxOrder) || input.maxOrder < 0)
    throw new RangeError('maxOrder must be a non-negative integer');
  const names = new Set<string>();
  for (const f of input.functions) {
    if (names.has(f.name)) throw new RangeError(`function ${f.name} listed twice`);
    names.add(f.name);
  }
  const nops = nopPattern(input.arch);
  for (const f of input.functions) {
    if (f.padded && f.window.length !== 0 && f.window.length !== nops.length) {
      throw new RangeError(
        `function ${f.name}: window has ${f.window.length} bytes, ${input.arch} windows have ${nops.length}`,
      );
    }
  }
  return {
    arch: input.arch,
    entriesPerPage: input.entriesPerPage,
    maxOrder: input.maxOrder,
    slotPolicy: input.slotPolicy,
    design: input.design ?? V4_DESIGN,
    padded: Object.fromEntries(input.functions.map((f) => [f.name, f.padded])),
    windows: Object.fromEntries(
      input.functions.filter((f) => f.padded).map((f) => [f.name, f.window.length ? [...f.window] : nops]),
    ),
    touched: {},
    order: null,
    count: input.entriesPerPage,
    slots: [],
    used: 0,
    pendingAllocFailures: 0,
    outcome: null,
    violation: null,
  };
}

export type KfuncMdMachine = typeof kfuncMdMachine;
