import { toDirectedGraph } from 'xstate/graph';
import type { DirectedGraphNode } from 'xstate/graph';
import { kfuncMdMachine } from './machine.ts';

/**
 * Transition identities for coverage, read from the machine's own graph:
 * `<state path> <EVENT> [guard]`, e.g. `alive.locked GET [getInstalledGrow]`.
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

function guardName(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && 'type' in guard && typeof guard.type === 'string') {
    return (guard as { type: string }).type;
  }
  return 'inline';
}
