/**
 * `npm run --silent dinmeter -- <area> <command> …`: the administration tool (docs/security.md).
 * Each area is its own module with its own usage: `device` (meters and their MQTT credentials and
 * command keys), `token` (REST bearer tokens), `claim` (claim codes, docs/commissioning.md), `firmware` (image signing). It works
 * whether or not the backend runs: it edits the backend's data folder (DATA_DIR), which a running backend watches.
 */
import { runCli, UsageError } from '../../../shared/node/cli';
import { runClaimCli } from '../claims/claim.cli';
import { runFirmwareCli } from '../firmware/firmware.cli';
import { runDeviceCli } from './device.cli';
import { runTokenCli } from './token.cli';

const AREAS: Record<string, (argv: string[]) => Promise<void>> = {
  device: runDeviceCli,
  firmware: runFirmwareCli,
  token: runTokenCli,
  claim: runClaimCli,
};

const SPEC = {
  name: 'dinmeter',
  usage: `usage: dinmeter <area> <command> [options]   (dinmeter <area> --help for each)
  device   add, list, revoke, rotate meters and their credentials
  firmware keygen, sign: the firmware signing key and image signatures
  token    create, list, revoke REST bearer tokens
  claim    create, list, revoke single-use claim codes that meters trade for their credentials`,
  options: {},
  positionals: [0, 1],
} as const;

if (require.main === module) {
  const [area, ...rest] = process.argv.slice(2);
  const run = area === undefined ? undefined : AREAS[area];
  if (run) {
    void run(rest);
  } else {
    void runCli(
      SPEC,
      () => {
        throw new UsageError(area === undefined ? 'missing area' : `unknown area ${JSON.stringify(area)}`);
      },
      area === undefined ? [] : [area],
    );
  }
}
