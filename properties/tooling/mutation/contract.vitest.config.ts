import { mutationVitestConfig } from './groups.ts';

// impl/contract: its own unit tests.
export default mutationVitestConfig(['impl/contract/*.test.ts']);
