#!/usr/bin/env node
// `kfmd` executable: teach Node to load TypeScript (tsx), then hand over to main.ts.
import { register } from 'tsx/esm/api';

// A closed pipe (`kfmd configs | head`) is not an error worth a stack trace.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

register();
try {
  const { run } = await import('./main.ts');
  process.exitCode = await run(process.argv.slice(2));
} catch (err) {
  // Only reached if main.ts itself cannot load; run() reports everything else.
  process.stderr.write(`kfmd: internal error: ${String(err instanceof Error ? err.message : err).split('\n')[0]}\n`);
  process.exitCode = 3;
}
