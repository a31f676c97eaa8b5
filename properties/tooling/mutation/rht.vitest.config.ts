import { mutationVitestConfig } from './groups.ts';

// impl/rht: its own unit tests.
export default mutationVitestConfig(['impl/rht/*.test.ts']);
