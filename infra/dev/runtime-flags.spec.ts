/**
 * The backend's Node flags (backend/src/runtime-flags.ts) are passed by everything that starts it:
 * the package.json scripts and the systemd unit spell them out, so they are checked here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND_NODE_FLAGS } from '../../backend/src/runtime-flags';

const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

describe('backend Node flags', () => {
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
  const flags = BACKEND_NODE_FLAGS.join(' ');

  it.each(['backend', 'backend:prod'])('should start the backend with them in `npm run %s`', (name) => {
    expect(scripts[name]).toMatch(new RegExp(`^node ${flags} `));
  });

  it('should start the backend with them in the systemd unit', () => {
    expect(read('infra/systemd/dinmeter-backend.service')).toContain(`ExecStart=/usr/bin/node ${flags} backend/dist/main.js`);
  });

  it('should be flags this Node accepts', () => {
    for (const flag of BACKEND_NODE_FLAGS) expect(process.allowedNodeEnvironmentFlags.has(flag.split('=')[0])).toBe(true);
  });
});
