// Why this enumeration is not replaced by more of xstate/graph (xstate 5.33.3; graph-edges.test.ts
// compares it edge by edge with the machine as written, getStateNodes and getAdjacencyMap):
// - allEdgeIds() already is xstate's graph: toDirectedGraph, one edge per transition definition
//   (state node × event × guard; a targetless one is drawn as a self-loop). toDirectedGraph would miss
//   eventless `always` transitions (not in StateNode.transitions), name `after` ones
//   `xstate.after.<delay>.<id>`, and draw a re-entering self-transition like a targetless one; this
//   machine has none of these.
// - edgeIdsFor(design) cannot come from xstate: guards are opaque functions of the context, and
//   getShortestPaths / getSimplePaths (both over getAdjacencyMap) and getPathsFromEvents step snapshots
//   by concrete events: they need a hand-chosen alphabet and bounds (with the defaults the traversal does
//   not end: the context is unbounded), name no transition or guard (read back with getTransitionData),
//   and reach only what the alphabet reaches. With a tuned one they give exactly edgeIdsFor(design) for
//   padding designs; for hash designs they also take `alive FOREIGN_WRITE [foreignWriteIntoWindow]`,
//   which the machine accepts but the harness never sends. So POSSIBLE_FOR stays written by hand.
import { toDirectedGraph } from 'xstate/graph';
import type { DirectedGraphNode } from 'xstate/graph';
import { kfuncMdMachine } from './machine.ts';
import type { Design } from './types.ts';

/**
 * Transition identities for coverage, read from the machine's own graph:
 * `<state path> <EVENT> [guard]`, e.g. `alive GET [getInstalledGrow]`.
 */
export interface TransitionLike {
  readonly source: { readonly path: readonly string[] };
  readonly eventType: string;
  readonly guard?: unknown;
}

export function edgeId(t: TransitionLike): string {
  const guard = guardName(t.guard);
  return `${t.source.path.join('.')} ${t.eventType}${guard ? ` [${guard}]` : ''}`;
}

/** Every transition the machine defines, in document order. */
export function allEdgeIds(): string[] {
  const out: string[] = [];
  const walk = (node: DirectedGraphNode): void => {
    for (const edge of node.edges) out.push(edgeId(edge.transition));
    node.children.forEach(walk);
  };
  walk(toDirectedGraph(kfuncMdMachine));
  return [...new Set(out)];
}

const padding = (d: Design): boolean => d.storage === 'padding';
const hash = (d: Design): boolean => d.storage === 'hash';

/** Guards that can hold only for some designs (the others can hold for every design). */
const POSSIBLE_FOR: Readonly<Record<string, (d: Design) => boolean>> = {
  getNoPadding: padding,
  getInstalledFirst: padding,
  getInstalledFree: padding,
  getInstalledGrow: padding,
  getAlreadyEqual: padding,
  getEbusy: padding,
  getMaxOrder: padding,
  findNoPadding: padding,
  putReleasedRestored: padding,
  putByIpReleasedRestored: padding,
  // the machine takes it on any design; the harness writes into windows only where the index is in the padding
  foreignWriteIntoWindow: padding,
  getCreated: hash,
  putByIpReleasedLeft: hash,
  getNeedsLock: (d) => d.locking.get === 'caller-holds',
  getTakesLock: (d) => d.locking.get === 'takes',
  putNeedsLock: (d) => d.locking.put === 'caller-holds',
  putTakesLock: (d) => d.locking.put === 'takes',
  putByIpNeedsLock: (d) => d.locking.putByIp === 'caller-holds',
  putByIpTakesLock: (d) => d.locking.putByIp === 'takes',
};

/** The transitions a design can take at all: the coverage a suite run of that design is measured against. */
export function edgeIdsFor(design: Design): string[] {
  const out: string[] = [];
  const walk = (node: DirectedGraphNode): void => {
    for (const edge of node.edges) {
      const guard = guardName(edge.transition.guard);
      if (guard === null || (POSSIBLE_FOR[guard]?.(design) ?? true)) out.push(edgeId(edge.transition));
    }
    node.children.forEach(walk);
  };
  walk(toDirectedGraph(kfuncMdMachine));
  return [...new Set(out)];
}

function guardName(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && 'type' in guard && typeof guard.type === 'string') {
    return (guard as { type: string }).type;
  }
  return 'inline';
}
