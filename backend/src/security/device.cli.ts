import { runCli, UsageError } from '../../../shared/node/cli';

const SPEC = {
  name: 'dinmeter device',
  usage: 'usage: dinmeter device <command> [options]',
  options: { 'data-dir': { type: 'string' } },
  positionals: [0, 8],
} as const;

/** `dinmeter device …` (being built). */
export async function runDeviceCli(argv: string[]): Promise<void> {
  await runCli(
    SPEC,
    () => {
      throw new UsageError('not available yet');
    },
    argv,
  );
}
