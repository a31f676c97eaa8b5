import { mutationVitestConfig } from './groups.ts';

// impl/may25: its own unit tests.
export default mutationVitestConfig(['impl/may25/*.test.ts']);
