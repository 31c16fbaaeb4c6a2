/**
 * Node-only: bundles portable TypeScript with esbuild and runs it in the real XS engine through
 * @agoric/xsnap. Inside XS a global `issueCommand(ArrayBuffer)` reaches `onMessage` here
 * synchronously. XS has no timers and no console: report through issueCommand.
 *
 * @endo/init locks the realm down (SES), so it is loaded lazily and only in processes meant to
 * drive XS (the runner and the bench), never inside jest.
 */
import * as path from 'node:path';
import type { XsnapMeterUsage, XsnapWorker } from '@agoric/xsnap';

export const REPO_ROOT = path.resolve(__dirname, '../..');
const SHARED_ENTRY = path.join(REPO_ROOT, 'shared/src/index.ts');

/** Bundles `contents` (TypeScript, imports resolved from `resolveDir`) into one IIFE script for XS. */
export async function bundleForXs(contents: string, resolveDir = REPO_ROOT): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    stdin: { contents, resolveDir, loader: 'ts', sourcefile: 'xs-entry.ts' },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    target: 'es2022',
    logLevel: 'silent',
    plugins: [
      {
        name: 'dinmeter-shared',
        setup(build) {
          build.onResolve({ filter: /^@dinmeter\/shared$/ }, () => ({ path: SHARED_ENTRY }));
        },
      },
    ],
  });
  return result.outputFiles[0].text;
}

export interface XsSession {
  evaluate(code: string): Promise<XsnapMeterUsage>;
  close(): Promise<void>;
}

/** Starts an XS worker without a metering limit; every issueCommand payload goes to `onMessage` as text. */
export async function startXs(onMessage: (text: string) => void): Promise<XsSession> {
  await import('@endo/init');
  const { xsnap } = await import('@agoric/xsnap');
  const os = await import('node:os');
  const childProcess = await import('node:child_process');
  const fs = await import('node:fs');
  const decoder = new TextDecoder();
  const worker: XsnapWorker = await xsnap({
    os: os.type(),
    spawn: childProcess.spawn,
    fs: { ...fs, ...fs.promises },
    name: 'dinmeter-xs',
    meteringLimit: 0,
    stderr: 'inherit',
    handleCommand: async (message: Uint8Array) => {
      onMessage(decoder.decode(message));
      return new Uint8Array(0);
    },
  });
  return {
    evaluate: async (code) => (await worker.evaluate(code)).meterUsage,
    close: () => worker.close(),
  };
}

/** Source snippet: `report(value)` JSON-encodes a value and sends it to Node. */
export const XS_REPORT_PRELUDE = `
declare const issueCommand: (message: ArrayBuffer) => void;
function report(value: unknown): void {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  issueCommand(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}
`;
