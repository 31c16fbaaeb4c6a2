/** RelayDriver on the expander outputs; the relay-of-circuit pin list comes from the board file. */
import type { RelayDriver } from '../../core/ports';
import type { Mcp23017Outputs } from './mcp23017.expander';

export class ExpanderRelays implements RelayDriver {
  constructor(
    private readonly expander: Mcp23017Outputs,
    /** Expander pin of circuit k at index k − 1. */
    private readonly pins: readonly number[],
  ) {}

  set(circuit: number, on: boolean): void {
    const pin = this.pins[circuit - 1];
    if (!Number.isInteger(circuit) || pin === undefined) throw new RangeError(`no relay for circuit ${circuit}`);
    this.expander.write(pin, on ? 1 : 0);
  }
}
