/** Public surface of the configuration space: import from here, not from the parts. */
export type { Arm64Options, CaseCReading, FineIbtEncoding, KernelOptions, X86CfiMode, X86Options } from './options.ts';
export type { Occupant, OccupantKind } from './occupant.ts';
export { formatOccupant, formatStrip } from './occupant.ts';
export type { Configuration } from './configuration.ts';
export type { ArityClass, EntryAtBoot, FunctionFacts, FunctionShape, ShapeFacts } from './shape.ts';
export { ORDINARY_FUNCTION, arityClass, shapeOf } from './shape.ts';
export { ConfigError } from './configuration.ts';
// the padding's byte encodings, for whoever needs the real bytes (the harness's foreign writes)
export {
  ARM64_BTI_C,
  ARM64_NOP,
  X86_ENDBR64,
  X86_POISONED_ENDBR,
  X86_NOP,
  callDepthThunk,
  fineibtBhiTail,
  fineibtPreamble,
  kcfiMov,
  le32,
  le64,
} from './bytes.ts';
export type { Validation } from './registry.ts';
export { allConfigurations, configurationByName, validateOptions } from './registry.ts';
export { allArm64Options, allOptions, allX86Options } from './enumerate.ts';
export type { PaddingParams } from './padding-image.ts';
export { DEFAULT_PADDING_PARAMS, linkTimeImage, paddingImage } from './padding-image.ts';
export type {
  CompilerLayout,
  CompilerLayoutInput,
  CompilerPart,
  CompilerPartKind,
  PatchableEntry,
} from './compiler-layout.ts';
export { compilerInputFor, compilerLayout, parsePatchableEntry } from './compiler-layout.ts';
export { configFtraceCallSite, ftraceCallSiteOf } from './ftrace-site.ts';
