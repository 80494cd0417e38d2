import { spawnSync } from 'node:child_process';
import type { Precision } from '../../contract/manifest-schema.ts';
import { repoRoot } from '../../server/config.ts';
import { presentPrecisions, readModel } from '../bench-models.ts';
import type { CudaCheck } from './cuda-check.ts';
import { BenchRefusal, type ServerBenchOptions } from './options.ts';
import { NLLB, SCENARIOS, type Scenario } from './scenarios.ts';

export interface Plan {
  scenarios: Scenario[];
  /** Why scenarios were left out. */
  notes: string[];
}

/**
 * The scenarios the options ask for, on the providers asked for. CUDA asked for and unavailable stops the
 * run before it starts (never a silent CPU run under a cuda name); so does a selection that leaves nothing.
 */
export function selectScenarios(options: Pick<ServerBenchOptions, 'scenarios' | 'providers' | 'nllb'>, cuda: CudaCheck | undefined): Plan {
  if (options.providers.includes('cuda') && !cuda?.available) {
    throw new BenchRefusal(`CUDA is unavailable: ${cuda && !cuda.available ? cuda.reason : 'not checked'}. Nothing was measured; run without --providers cuda, or on a machine with an NVIDIA GPU.`);
  }
  const notes: string[] = [];
  let selected = SCENARIOS.filter((scenario) => options.scenarios.includes(scenario.id) && options.providers.includes(scenario.provider));
  if (options.nllb === 'off' && selected.some((scenario) => scenario.model === NLLB)) {
    selected = selected.filter((scenario) => scenario.model !== NLLB);
    notes.push(`${NLLB} skipped (--nllb off).`);
  }
  if (selected.length === 0) throw new BenchRefusal(`No scenario left to run: --scenarios names none on --providers ${options.providers.join(',')}${options.nllb === 'off' ? ' (NLLB off)' : ''}.`);
  return { scenarios: selected, notes };
}

const missing = (id: string, precisions: Precision[]) => precisions.filter((p) => !presentPrecisions(readModel(id)).includes(p));

/** Writes just the variants asked for (the 600M NLLB model in every variant is 8 GB and many minutes). */
function generate(id: string, precisions: Precision[]): void {
  console.log(`${id}: ${precisions.join(', ')} missing; generating (npx tsx models/generate/main.ts --model ${id} --precision ${precisions.join(',')}).`);
  spawnSync('npx', ['tsx', 'models/generate/main.ts', '--model', id, '--precision', precisions.join(',')], { cwd: repoRoot, stdio: 'inherit' });
}

/**
 * The selected scenarios whose model variants are on disk. Marian's are generated when missing; the NLLB
 * model only with `--nllb on`, else its scenarios are skipped with a note.
 */
export function planScenarios(options: ServerBenchOptions, cuda: CudaCheck | undefined): Plan {
  const { scenarios: selected, notes } = selectScenarios(options, cuda);
  const wanted = new Map<string, Precision[]>();
  for (const scenario of selected) wanted.set(scenario.model, [...new Set([...(wanted.get(scenario.model) ?? []), scenario.precision])]);
  for (const [id, precisions] of wanted) {
    const absent = missing(id, precisions);
    if (absent.length === 0) continue;
    if (id === NLLB && options.nllb === 'auto') {
      notes.push(`${NLLB} skipped: ${absent.join(', ')} not on disk (generating it takes minutes; run with --nllb on).`);
      continue;
    }
    generate(id, absent);
  }
  const runnable = selected.filter((scenario) => {
    const absent = missing(scenario.model, [scenario.precision]);
    if (absent.length > 0 && !(scenario.model === NLLB && options.nllb === 'auto')) notes.push(`${scenario.id} skipped: ${scenario.model} ${scenario.precision} could not be generated.`);
    return absent.length === 0;
  });
  return { scenarios: runnable, notes };
}
