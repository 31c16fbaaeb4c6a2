import { resolve } from 'node:path';
import { CliArgs, numberOption, runCli, UsageError } from '../../../shared/node/cli';
import { CredentialsRegistry } from '../security/credentials/credentials.registry';
import { defaultDataDir } from '../security/token.cli';
import { ClaimError, ClaimsRegistry, MAX_CLAIM_TTL_MINUTES } from './claims.registry';

const SPEC = {
  name: 'dinmeter claim',
  usage: `usage: dinmeter claim <command> [options]
  create [--device ID] [--label TEXT] [--minutes N]   a single-use claim code (default: valid 24 h);
                                                      prints {id, code, expiresAt, …}: the code is shown this once
  list                                                every claim (no codes), one JSON object per line
  revoke <id>                                         an open code stops working at once
options:
  --data-dir DIR   the backend's DATA_DIR (default: DATA_DIR of the environment or ./.env, else .data/backend)
A meter, or its setup portal, redeems the code with POST /api/claim (docs/commissioning.md).`,
  options: {
    'data-dir': { type: 'string' },
    device: { type: 'string' },
    label: { type: 'string' },
    minutes: { type: 'string' },
  },
  positionals: [1, 2],
} as const;

function print(objects: object[]): void {
  process.stdout.write(objects.map((o) => `${JSON.stringify(o)}\n`).join(''));
}

/** `dinmeter claim …`: claim codes, edited in DATA_DIR/claims.json, which a running backend reads on every use. */
export async function runClaimCli(argv: string[]): Promise<void> {
  await runCli(
    SPEC,
    ({ values, positionals: [command, id] }: CliArgs<typeof SPEC.options>) => {
      if (!['create', 'list', 'revoke'].includes(command)) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
      if (command === 'revoke' && id === undefined) throw new UsageError('revoke needs a claim id');
      if (command !== 'revoke' && id !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(id)}`);
      const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
      const claims = new ClaimsRegistry(dataDir, new CredentialsRegistry(dataDir));
      try {
        switch (command) {
          case 'create': {
            const ttlMinutes = numberOption('minutes', values.minutes, { min: 1, max: MAX_CLAIM_TTL_MINUTES, integer: true });
            const { claim, code } = claims.create({ deviceId: values.device, label: values.label, ttlMinutes });
            return print([{ ...claim, code }]);
          }
          case 'list':
            return print(claims.list());
          case 'revoke':
            return print([claims.revoke(id)]);
        }
      } catch (error) {
        if (error instanceof ClaimError && error.reason === 'invalid') throw new UsageError(error.message);
        throw error;
      }
    },
    argv,
  );
}
