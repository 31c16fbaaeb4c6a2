/**
 * `embedded:io/system` on the virtual board: a restart (the setup portal's, platform/moddable) is
 * reported on the console and the board stops, as power.ts does; the runner restarts the process.
 */
export const RESTART_LINE = 'virtual-board: restart';

export default class System {
  static restart(): void {
    trace(`${RESTART_LINE}\n`);
    for (;;) {
      // the runner kills the process on seeing RESTART_LINE
    }
  }
}
