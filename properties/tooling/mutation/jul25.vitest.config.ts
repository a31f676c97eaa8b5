import { mutationVitestConfig } from './groups.ts';

// impl/jul25: its own unit tests.
export default mutationVitestConfig(['impl/jul25/*.test.ts']);
