/**
 * Debian's mosquitto run with a config a test wrote (the production config moved into a temp dir, or
 * one generated from the credentials registry): started, waited for until it accepts on `port`,
 * stopped with SIGTERM. For integration specs only.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { findMosquitto } from '../dev/servers';

export interface MosquittoProcess {
  url: string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function accepts(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** Writes DIR/mosquitto.conf from `conf` and runs mosquitto with it; `port` is its plain listener. */
export async function runMosquitto(dir: string, conf: string, port: number): Promise<MosquittoProcess> {
  const binary = findMosquitto();
  if (!binary) throw new Error('mosquitto not found: sudo apt-get install -y mosquitto');
  // Started as root, mosquitto drops to the `mosquitto` user, which cannot read a temp dir of ours.
  writeFileSync(join(dir, 'mosquitto.conf'), `${conf.trimEnd()}\nuser ${userInfo().username}\n`);
  const broker = spawn(binary, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  broker.stderr!.on('data', (chunk) => (log += chunk));
  for (let k = 0; !(await accepts(port)); k++) {
    if (k > 100 || broker.exitCode !== null) {
      broker.kill('SIGKILL');
      throw new Error(`mosquitto did not start:\n${log}`);
    }
    await sleep(100);
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      if (broker.exitCode !== null) return;
      const exited = new Promise((resolve) => broker.once('exit', resolve));
      broker.kill('SIGTERM');
      await exited;
    },
  };
}
