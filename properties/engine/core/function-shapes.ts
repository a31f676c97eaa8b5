/**
 * The functions of a scenario in kernel terms (spec §4.4 X5): in one configuration not every
 * function's padding has the same shape. Beside the ordinary functions (a `__cfi_` preamble under
 * CFI_CLANG, called directly), every scenario on a CFI_CLANG configuration boots one static whose
 * address is never taken (`static0`: no preamble, so all-NOP padding and no FineIBT), and every
 * scenario where call-depth thunks are active one function only ever called through pointers
 * (`indirect0`: no thunk), and every FINEIBT_BHI scenario a function of no arguments (`noargs0`:
 * the preamble is left as it is) and one of one (`onearg0`: the inline sequence, written on through
 * the entry). The model gets each function's boot window from its shape.
 */
import { shapeOf } from '../../../model/config/index.ts';
import type { Configuration, FunctionShape } from '../../../model/config/index.ts';
import type { ScenarioFunction } from './scenario.ts';

/** `static0`: like helper_static in impl/fixtures/padding.c, called directly, never address-taken. */
export const STATIC_FUNCTION = 'static0';
/** `indirect0`: like sq_static in impl/fixtures/padding.c, only ever called through a pointer. */
export const INDIRECT_FUNCTION = 'indirect0';
/** `noargs0`: void f(void) under FINEIBT_BHI. */
export const NO_ARGS_FUNCTION = 'noargs0';
/** `onearg0`: f(int) under FINEIBT_BHI. */
export const ONE_ARG_FUNCTION = 'onearg0';

/** The functions with other shapes than an ordinary one that a scenario on `config` boots too. */
export function shapeFunctions(config: Configuration): ScenarioFunction[] {
  const o = config.options;
  const out: ScenarioFunction[] = [];
  if (o.cfiClang) out.push({ name: STATIC_FUNCTION, padded: true, cfi: false });
  if (o.arch === 'x86' && o.callThunks && o.thunksActive)
    out.push({ name: INDIRECT_FUNCTION, padded: true, directCallDest: false });
  if (o.arch === 'x86' && o.fineibtBhi) {
    out.push({ name: NO_ARGS_FUNCTION, padded: true, arity: 0 }, { name: ONE_ARG_FUNCTION, padded: true, arity: 1 });
  }
  return out;
}

/** `functions` followed by the configuration's other-shaped functions (none already there is added twice). */
export function withShapeFunctions(config: Configuration, functions: ScenarioFunction[]): ScenarioFunction[] {
  const names = new Set(functions.map((f) => f.name));
  return [...functions, ...shapeFunctions(config).filter((f) => !names.has(f.name))];
}

/** The shape a scenario function has on the configuration. */
export function shapeOfFunction(config: Configuration, f: ScenarioFunction): FunctionShape {
  return shapeOf(config, { cfi: f.cfi ?? true, directCallDest: f.directCallDest ?? true, arity: f.arity ?? 2 });
}

/** The kernel's FunctionSpec facts for a scenario function (only those it states). */
export function kernelFacts(f: ScenarioFunction): { cfi?: boolean; directCallDest?: boolean; arity?: number } {
  return {
    ...(f.cfi !== undefined ? { cfi: f.cfi } : {}),
    ...(f.directCallDest !== undefined ? { directCallDest: f.directCallDest } : {}),
    ...(f.arity !== undefined ? { arity: f.arity } : {}),
  };
}
