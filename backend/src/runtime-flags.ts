/**
 * Node flags the backend process runs with. Per stored record the backend allocates the decoded
 * message, its points and their line protocol, all garbage a moment later: with V8's default 16 MB
 * semi-space, scavenges took ~30 % of the backend's CPU under a reconnect storm. 64 MB cut its CPU
 * per record by 13–17 % for ~50 MB more RSS (docs/scaling.md, "Young generation").
 *
 * Everything that starts the backend passes them: `npm run backend` / `backend:prod` (package.json),
 * infra/systemd/dinmeter-backend.service, `npm start` (infra/dev/start.ts) and the test rig
 * (hil-tests/rig/simulated-rig.ts); infra/dev/runtime-flags.spec.ts keeps them in step.
 */
export const BACKEND_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
