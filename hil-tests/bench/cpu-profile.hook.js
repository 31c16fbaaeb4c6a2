// Preloaded into the backend by `bench:ingest --cpu-prof DIR` (NODE_OPTIONS=--require, where --cpu-prof
// itself is not allowed): profiles the whole process and writes DIR/backend-<pid>.cpuprofile on SIGTERM.
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.BENCH_CPU_PROFILE_DIR;
const session = new Session();
session.connect();
session.post('Profiler.enable', () => session.post('Profiler.start'));
process.prependOnceListener('SIGTERM', () => {
  session.post('Profiler.stop', (error, result) => {
    if (!error) writeFileSync(join(dir, `backend-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
