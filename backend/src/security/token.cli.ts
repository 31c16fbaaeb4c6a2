import { runCli, UsageError } from '../../../shared/node/cli';

const SPEC = {
  name: 'dinmeter token',
  usage: 'usage: dinmeter token <command> [options]',
  options: { 'data-dir': { type: 'string' } },
  positionals: [0, 8],
} as const;

/** `dinmeter token …` (being built). */
export async function runTokenCli(argv: string[]): Promise<void> {
  await runCli(
    SPEC,
    () => {
      throw new UsageError('not available yet');
    },
    argv,
  );
}
