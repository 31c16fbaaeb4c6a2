import { existsSync, readFileSync } from 'node:fs';
import { CliArgs, runCli, UsageError } from '../../../shared/node/cli';
import { AppConfig, parseDotEnv } from '../config/app-config';
import { isRole } from './roles';
import { TokenRecord, TokenStore } from './tokens/token-store';

const SPEC = {
  name: 'dinmeter token',
  usage: `usage: dinmeter token <command> [options]
  create --role read|control|admin [--label TEXT]   issue a token; it is the last line on stdout,
                                                    shown this once (only its SHA-256 is kept)
  list [--json]                                     every token without its secret
  revoke <id>                                       the token stops working at the next request
options:
  --data-dir DIR   the backend's DATA_DIR (default: DATA_DIR of the environment or ./.env, else .data/backend)
Roles: read (every GET), control (+ relays, plans, automation, prices), admin (+ devices, tokens,
configuration, calibration). docs/security.md, "REST tokens".`,
  options: { 'data-dir': { type: 'string' }, role: { type: 'string' }, label: { type: 'string' }, json: { type: 'boolean' } },
  positionals: [1, 2],
} as const;

type Args = CliArgs<typeof SPEC.options>;

/** The backend's DATA_DIR as the backend would see it from this directory. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromFile = existsSync('.env') ? parseDotEnv(readFileSync('.env', 'utf8')).DATA_DIR : undefined;
  return env.DATA_DIR?.trim() || fromFile?.trim() || new AppConfig().DATA_DIR;
}

const COMMANDS: Record<string, { positionals: number; run: (store: TokenStore, args: Args) => Promise<void> | void }> = {
  create: {
    positionals: 0,
    run: async (store, { values }) => {
      const role = values.role;
      if (role === undefined) throw new UsageError('create needs --role read|control|admin');
      if (!isRole(role)) throw new UsageError(`--role must be read, control or admin, got ${JSON.stringify(role)}`);
      const { record, token } = await store.create(role, values.label ?? '');
      process.stdout.write(`token ${record.id} (${record.role}${record.label ? `, "${record.label}"` : ''}) in ${store.path}; shown this once:\n${token}\n`);
    },
  },
  list: {
    positionals: 0,
    run: (store, { values }) => {
      const tokens = store.list().map(({ hash: _hash, ...visible }) => visible);
      if (values.json) {
        process.stdout.write(`${JSON.stringify(tokens)}\n`);
        return;
      }
      if (tokens.length === 0) {
        process.stdout.write(`no tokens in ${store.path}\n`);
        return;
      }
      process.stdout.write(table(tokens));
    },
  },
  revoke: {
    positionals: 1,
    run: async (store, { positionals }) => {
      const before = store.list().find((t) => t.id === positionals[1])?.revoked;
      const record = await store.revoke(positionals[1]);
      process.stdout.write(before ? `token ${record.id} was already revoked at ${before}\n` : `token ${record.id} revoked\n`);
    },
  },
};

function table(tokens: Omit<TokenRecord, 'hash'>[]): string {
  const rows = [['ID', 'ROLE', 'CREATED', 'REVOKED', 'LABEL'], ...tokens.map((t) => [t.id, t.role, t.created, t.revoked ?? '-', t.label])];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ').trimEnd()).join('\n') + '\n';
}

/** `dinmeter token …`: REST bearer tokens in the backend's data folder, whether or not the backend runs. */
export async function runTokenCli(argv: string[]): Promise<void> {
  await runCli(
    SPEC,
    async (args: Args) => {
      const [name] = args.positionals;
      const command = COMMANDS[name];
      if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)} (commands: ${Object.keys(COMMANDS).join(', ')})`);
      if (args.positionals.length - 1 !== command.positionals) {
        throw new UsageError(command.positionals === 0 ? `${name} takes no argument` : `${name} needs the token id (dinmeter token list shows them)`);
      }
      if (name !== 'create' && (args.values.role !== undefined || args.values.label !== undefined)) throw new UsageError('--role and --label go with create');
      await command.run(TokenStore.inDataDir(args.values['data-dir'] ?? defaultDataDir()), args);
    },
    argv,
  );
}
