import { mutationVitestConfig } from './groups.ts';

// impl/kfmd: its own unit tests.
export default mutationVitestConfig(['impl/kfmd/*.test.ts']);
