#!/usr/bin/env node
// `kfmd` executable. In a source checkout (main.ts next to this file) it teaches Node to load
// TypeScript (tsx) and hands over to main.ts, so no build step is needed. In an installed package
// (only compiled JavaScript shipped) it imports dist/properties/app/cli/main.js, without tsx.
import { existsSync } from 'node:fs';

// A closed pipe (`kfmd configs | head`) is not an error worth a stack trace.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const source = new URL('./main.ts', import.meta.url);
try {
  let main;
  if (existsSync(source)) {
    const { register } = await import('tsx/esm/api');
    register();
    main = source.href;
  } else {
    // this file is <package>/properties/app/cli/kfmd.mjs; the build mirrors the tree under <package>/dist/
    main = new URL('../../../dist/properties/app/cli/main.js', import.meta.url).href;
  }
  const { run } = await import(main);
  process.exitCode = await run(process.argv.slice(2));
} catch (err) {
  // Only reached if main itself cannot load; run() reports everything else.
  process.stderr.write(`kfmd: internal error: ${String(err instanceof Error ? err.message : err).split('\n')[0]}\n`);
  process.exitCode = 3;
}
