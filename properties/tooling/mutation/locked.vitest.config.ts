import { mutationVitestConfig } from './groups.ts';

// impl/locked: its own unit tests.
export default mutationVitestConfig(['impl/locked/*.test.ts']);
