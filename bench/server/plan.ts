import { spawnSync } from 'node:child_process';
import type { Precision } from '../../contract/manifest-schema.ts';
import { repoRoot } from '../../server/config.ts';
import { presentPrecisions, readModel } from '../bench-models.ts';
import type { ServerBenchOptions } from './options.ts';
import { NLLB, SCENARIOS, type Scenario } from './scenarios.ts';

export interface Plan {
  scenarios: Scenario[];
  /** Why scenarios were left out. */
  notes: string[];
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
export function planScenarios(options: ServerBenchOptions): Plan {
  const notes: string[] = [];
  let selected: Scenario[] = SCENARIOS.filter((scenario) => options.scenarios.includes(scenario.id));
  if (options.nllb === 'off') {
    selected = selected.filter((scenario) => scenario.model !== NLLB);
    notes.push(`${NLLB} skipped (--nllb off).`);
  }
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
