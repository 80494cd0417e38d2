import { parseArgs } from 'node:util';
import { list } from '../cli-options.ts';
import { BENCH_PROVIDERS, DEFAULT_SCENARIO_IDS, SCENARIO_IDS, type BenchProvider } from './scenarios.ts';
import { MIN_VALID_REPEATS } from './validity.ts';

export const usage = `Usage: npm run bench:server -- [options]
  --bursts N          bursts per repeat of each workload (default: 1); the repeated-phrase workload takes 2N
                      bursts of 16 requests
  --burst-size B      single-sentence requests per flores burst, the bursty traffic the headline ratios come
                      from (default: 32)
  --documents R       requests per documents burst, each of 2-6 consecutive sentences (default: 6)
  --arrival-ms MS     mean gap between a burst's requests, Poisson arrivals (default: 20; 0: all at once)
  --gap-ms MS         idle time before each burst (default: 500)
  --repeats N         runs of each workload, interleaved across scenarios; rows report medians (default: 3;
                      fewer marks the results invalid)
  --force             measure even when the 1-minute load average at the start exceeds the core count (the
                      results are then marked invalid)
  --providers LIST    execution providers to run the scenarios on, comma-separated: cpu, cuda (default: cpu);
                      cuda needs an NVIDIA GPU and onnxruntime-node's CUDA library, else the run stops at once
  --scenarios LIST    comma-separated server set-ups to measure, on the chosen providers ("all": every one);
                      default: all but nllb-fp32-* (4 GB per server, minutes per burst), from:
                      ${SCENARIO_IDS.join(', ')}
  --nllb MODE         the 600M NLLB scenarios: auto (run them when the files are on disk), on (generate them
                      first if missing, minutes), off (default: auto)
  --nllb-bursts N     flores bursts per repeat for NLLB, ~10x slower per segment than Marian (default: 1)
  --nllb-burst-size B requests per NLLB burst (default: 6)
  --nllb-targets LIST target languages NLLB's requests take in turn (default: de,fr,es,it)`;

export type NllbMode = 'auto' | 'on' | 'off';

/** A run that cannot go as asked (bad options, CUDA missing): its message says why, no stack needed. */
export class BenchRefusal extends Error {}

export interface ServerBenchOptions {
  bursts: number;
  burstSize: number;
  documents: number;
  gapMs: number;
  arrivalMs: number;
  repeats: number;
  force: boolean;
  providers: BenchProvider[];
  scenarios: string[];
  nllb: NllbMode;
  nllbBursts: number;
  nllbBurstSize: number;
  nllbTargets: string[];
  help: boolean;
}

function whole(name: string, value: string, min: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min) throw new BenchRefusal(`--${name} must be a whole number of at least ${min}, got "${value}"\n${usage}`);
  return number;
}


function listOf<T extends string>(name: string, value: string, allowed: readonly T[]): T[] {
  const items = list(value);
  const unknown = items.filter((item) => !(allowed as readonly string[]).includes(item));
  if (unknown.length > 0) throw new BenchRefusal(`--${name}: unknown ${unknown.join(', ')} (known: ${allowed.join(', ')})\n${usage}`);
  if (items.length === 0) throw new BenchRefusal(`--${name} must name at least one\n${usage}`);
  return items as T[];
}

export function parseServerBenchOptions(argv: string[]): ServerBenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      bursts: { type: 'string', default: '1' },
      'burst-size': { type: 'string', default: '32' },
      documents: { type: 'string', default: '6' },
      'gap-ms': { type: 'string', default: '500' },
      'arrival-ms': { type: 'string', default: '20' },
      repeats: { type: 'string', default: String(MIN_VALID_REPEATS) },
      force: { type: 'boolean', default: false },
      providers: { type: 'string', default: 'cpu' },
      scenarios: { type: 'string', default: DEFAULT_SCENARIO_IDS.join(',') },
      nllb: { type: 'string', default: 'auto' },
      'nllb-bursts': { type: 'string', default: '1' },
      'nllb-burst-size': { type: 'string', default: '6' },
      'nllb-targets': { type: 'string', default: 'de,fr,es,it' },
      help: { type: 'boolean', default: false },
    },
  });
  if (!['auto', 'on', 'off'].includes(values.nllb)) throw new BenchRefusal(`--nllb must be auto, on or off, got "${values.nllb}"\n${usage}`);
  const nllbTargets = list(values['nllb-targets']);
  const badTarget = nllbTargets.find((code) => !/^[a-z]{2,3}$/.test(code));
  if (badTarget !== undefined || nllbTargets.length === 0) throw new BenchRefusal(`--nllb-targets must list ISO 639 codes such as de,fr, got "${values['nllb-targets']}"\n${usage}`);
  return {
    bursts: whole('bursts', values.bursts, 1),
    burstSize: whole('burst-size', values['burst-size'], 1),
    documents: whole('documents', values.documents, 1),
    gapMs: whole('gap-ms', values['gap-ms'], 0),
    arrivalMs: whole('arrival-ms', values['arrival-ms'], 0),
    repeats: whole('repeats', values.repeats, 1),
    force: values.force,
    providers: listOf('providers', values.providers, BENCH_PROVIDERS),
    scenarios: values.scenarios.trim() === 'all' ? [...SCENARIO_IDS] : listOf('scenarios', values.scenarios, SCENARIO_IDS),
    nllb: values.nllb as NllbMode,
    nllbBursts: whole('nllb-bursts', values['nllb-bursts'], 1),
    nllbBurstSize: whole('nllb-burst-size', values['nllb-burst-size'], 1),
    nllbTargets,
    help: values.help,
  };
}
