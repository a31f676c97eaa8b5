import { mutationVitestConfig } from './groups.ts';

// impl/elf: its own unit tests (the committed objects, synthetic and malformed files).
export default mutationVitestConfig(['impl/elf/*.test.ts']);
