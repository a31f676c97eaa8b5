import { LAYOUT_TESTS, mutationVitestConfig } from './groups.ts';

// impl/kernel's text (boot, encodings, configs, little-endian helpers): the text tests and the
// layout checks that boot it against the model's byte map and the compilers' bytes.
export default mutationVitestConfig([
  'impl/kernel/x86-text.test.ts',
  'impl/kernel/arm64-text.test.ts',
  'impl/kernel/boot-text.test.ts',
  ...LAYOUT_TESTS,
]);
