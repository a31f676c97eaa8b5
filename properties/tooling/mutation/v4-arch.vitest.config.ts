import { LAYOUT_TESTS, mutationVitestConfig } from './groups.ts';

// impl/v4 and impl/arch: the property suites and the known mutants' catches (suites.mutation.ts),
// the races, and the checks that the implementation boots the model's byte map and the
// compilers' bytes for any list of functions.
export default mutationVitestConfig([
  'properties/tooling/mutation/suites.mutation.ts',
  'properties/tooling/mutation/races.mutation.ts',
  ...LAYOUT_TESTS,
]);
