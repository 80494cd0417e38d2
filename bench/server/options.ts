import { parseArgs } from 'node:util';
import { SCENARIO_IDS } from './scenarios.ts';

export const usage = `Usage: npm run bench:server -- [options]
  --bursts N        bursts per measurement (default: 2)
  --burst-size B    concurrent requests per burst, one segment each (default: 8); the cheap repeated-phrase
                    workload takes 2N bursts of 2B requests
  --gap-ms MS       idle time before each burst (default: 1000)
  --arrival-ms MS   mean gap between a burst's requests, Poisson arrivals (default: 50; 0: all at once)
  --repeats N       runs of each workload, interleaved across scenarios; rows report medians (default: 3)
  --force           measure even when the 1-minute load average exceeds the core count (the results are
                    then marked invalid)
  --scenarios LIST  comma-separated server set-ups to measure (default: all), from:
                    ${SCENARIO_IDS.join(', ')}
  --nllb MODE       the 600M NLLB scenarios: auto (run them when the q8 files are on disk), on (generate
                    them first if missing, minutes), off (default: auto)
  --nllb-bursts N   bursts for the NLLB scenarios, which are ~2x slower per segment (default: 1)`;

export type NllbMode = 'auto' | 'on' | 'off';

export interface ServerBenchOptions {
  bursts: number;
  burstSize: number;
  gapMs: number;
  arrivalMs: number;
  repeats: number;
  force: boolean;
  scenarios: string[];
  nllb: NllbMode;
  nllbBursts: number;
  help: boolean;
}

function whole(name: string, value: string, min: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min) throw new Error(`--${name} must be a whole number of at least ${min}, got "${value}"\n${usage}`);
  return number;
}

export function parseServerBenchOptions(argv: string[]): ServerBenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      bursts: { type: 'string', default: '2' },
      'burst-size': { type: 'string', default: '8' },
      'gap-ms': { type: 'string', default: '1000' },
      'arrival-ms': { type: 'string', default: '50' },
      repeats: { type: 'string', default: '3' },
      force: { type: 'boolean', default: false },
      scenarios: { type: 'string', default: SCENARIO_IDS.join(',') },
      nllb: { type: 'string', default: 'auto' },
      'nllb-bursts': { type: 'string', default: '1' },
      help: { type: 'boolean', default: false },
    },
  });
  const scenarios = values.scenarios.split(',').map((id) => id.trim()).filter(Boolean);
  const unknown = scenarios.filter((id) => !(SCENARIO_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) throw new Error(`Unknown scenario(s) ${unknown.join(', ')}\n${usage}`);
  if (!['auto', 'on', 'off'].includes(values.nllb)) throw new Error(`--nllb must be auto, on or off, got "${values.nllb}"\n${usage}`);
  return {
    bursts: whole('bursts', values.bursts, 1),
    burstSize: whole('burst-size', values['burst-size'], 1),
    gapMs: whole('gap-ms', values['gap-ms'], 0),
    arrivalMs: whole('arrival-ms', values['arrival-ms'], 0),
    repeats: whole('repeats', values.repeats, 3),
    force: values.force,
    scenarios,
    nllb: values.nllb as NllbMode,
    nllbBursts: whole('nllb-bursts', values['nllb-bursts'], 1),
    help: values.help,
  };
}
