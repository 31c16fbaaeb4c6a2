/**
 * Scenarios declare what they need from a rig; on a rig without it the test (or the whole
 * describe) is skipped with the reason in its title, so a bench run lists what it did not cover:
 *   itWith(rig, ['backend-restart'])('should survive a backend crash', async () => { … });
 */
import { Rig, RIG_CAPABILITIES, RigCapability } from './rig';

export function missingCapabilities(rig: Pick<Rig, 'capabilities'>, needs: readonly RigCapability[]): RigCapability[] {
  return needs.filter((need) => !rig.capabilities.has(need));
}

export function skipReason(rig: Pick<Rig, 'capabilities' | 'kind'>, needs: readonly RigCapability[]): string | undefined {
  const missing = missingCapabilities(rig, needs);
  if (missing.length === 0) return undefined;
  return `[skipped on the ${rig.kind} rig: it cannot ${missing.map((m) => RIG_CAPABILITIES[m]).join('; ')}]`;
}

export function itWith(rig: Pick<Rig, 'capabilities' | 'kind'>, needs: readonly RigCapability[]) {
  const reason = skipReason(rig, needs);
  if (!reason) return it;
  return (name: string, fn?: jest.ProvidesCallback, timeout?: number) => it.skip(`${name} ${reason}`, fn, timeout);
}

/**
 * On a rig without `needs` the body is not even run (it may use what that rig lacks, such as the
 * simulated rig's control channel); one skipped test carries the reason.
 */
export function describeWith(rig: Pick<Rig, 'capabilities' | 'kind'>, needs: readonly RigCapability[]) {
  const reason = skipReason(rig, needs);
  if (!reason) return describe;
  return (name: string, _fn: jest.EmptyFunction) => {
    // Jest lists no titles of a file whose every test is skipped: say it here.
    process.stdout.write(`○ ${name} ${reason}\n`);
    describe(name, () => it.skip(reason, () => undefined));
  };
}
