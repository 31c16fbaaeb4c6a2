/**
 * `npm run --silent plan -- --prices <file|-> --duration <minutes> --power <watts> [--from ISO] [--to ISO]
 *  [--non-contiguous] [--min-block <minutes>] [--max-blocks N]`
 * <file> is a JSON array of {start, end, price} with price per kWh (what `prices parse` prints).
 * Prints one JSON object: start/end (or slots when non-contiguous), cost, worstCost, averageCost,
 * savings, savingsVsWorst, energyKwh — costs in the file's currency. Bad arguments: stderr, exit 2.
 */
import { CliArgs, required, runCli, UsageError } from '../../../shared/node/cli';
import { parseManualJson } from '../prices/manual.parser';
import { readInput } from '../prices/cli-support';
import { parseInstant, toIso } from '../prices/price-slots';
import { cheapestSlots, cheapestWindow, PlanCosts } from './planners';

const SPEC = {
  name: 'plan',
  usage: `usage: plan --prices <file|-> --duration <minutes> --power <watts> [--from ISO] [--to ISO] [--non-contiguous] [--min-block <minutes>] [--max-blocks N]
  <file> is a JSON array of {start, end, price} with price per kWh (what \`prices parse\` prints); "-" reads stdin.
  --duration        how long the appliance runs, minutes
  --power           its power, watts
  --from / --to     the window to plan in (ISO 8601 with offset; default: the whole price file)
  --non-contiguous  the run may be split into blocks (--min-block minutes each, at most --max-blocks)`,
  options: {
    prices: { type: 'string' },
    duration: { type: 'string' },
    power: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    'non-contiguous': { type: 'boolean' },
    'min-block': { type: 'string' },
    'max-blocks': { type: 'string' },
  },
} as const;
const MINUTE_MS = 60_000;

function positiveNumber(name: string, v: string | undefined, integer = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(
      `--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(v)}`,
    );
  }
  return n;
}

function instant(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = parseInstant(v);
  if (ms === undefined)
    throw new UsageError(
      `--${name} must be an ISO 8601 instant with offset (2025-11-26T00:00Z), got ${JSON.stringify(v)}`,
    );
  return ms;
}

/** Costs rounded to 1e-9 of the currency: no binary noise in the output. */
function costs(p: PlanCosts) {
  const r = (x: number) => Math.round(x * 1e9) / 1e9;
  return {
    cost: r(p.cost),
    worstCost: r(p.worstCost),
    averageCost: r(p.averageCost),
    savings: r(p.savings),
    savingsVsWorst: r(p.savingsVsWorst),
    energyKwh: r(p.energyKwh),
  };
}

function run({ values }: CliArgs<typeof SPEC.options>): string {
  const prices = required('prices', values.prices);
  const durationMin = positiveNumber('duration', required('duration', values.duration))!;
  const req = {
    durationMs: Math.round(durationMin * MINUTE_MS),
    powerW: positiveNumber('power', required('power', values.power))!,
    from: instant('from', values.from),
    to: instant('to', values.to),
  };
  const minBlock = positiveNumber('min-block', values['min-block']);
  const maxBlocks = positiveNumber('max-blocks', values['max-blocks'], true);
  const nonContiguous = values['non-contiguous'] === true;
  if (!nonContiguous && (minBlock !== undefined || maxBlocks !== undefined)) {
    throw new UsageError('--min-block and --max-blocks need --non-contiguous');
  }
  const text = readInput(prices);
  try {
    const { slots } = parseManualJson(text, { source: prices === '-' ? 'stdin' : prices });
    if (!nonContiguous) {
      const plan = cheapestWindow(slots, req);
      return JSON.stringify({ start: toIso(plan.start), end: toIso(plan.end), ...costs(plan) });
    }
    const plan = cheapestSlots(slots, {
      ...req,
      minBlockMs: minBlock && Math.round(minBlock * MINUTE_MS),
      maxBlocks,
    });
    return JSON.stringify({
      slots: plan.blocks.map((b) => ({ start: toIso(b.start), end: toIso(b.end) })),
      ...costs(plan),
    });
  } catch (err) {
    // A bad price file or an impossible request (PriceParseError, PlanError) is a bad argument here.
    throw new UsageError((err as Error).message);
  }
}

if (require.main === module) {
  void runCli(SPEC, (args) => {
    process.stdout.write(`${run(args)}\n`);
  });
}
