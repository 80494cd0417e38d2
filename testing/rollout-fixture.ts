import { expect, vi } from 'vitest';
import { TranslationEngine } from '../server/translation/engine.ts';
import { ModelRollout } from '../server/translation/model-rollout.ts';
import type { RollbackReason } from '../server/translation/model-registry.ts';
import { parseRolloutSettings, type RolloutSettings } from '../server/translation/rollout-settings.ts';
import { FaultInjectingHost } from './fault-injection.ts';
import { catalogModel, FakeBackend } from './translation-doubles.ts';

const a = catalogModel('sotto/a');
const b = catalogModel('sotto/b');
const multilingual = catalogModel('sotto/m', { languages: ['en', 'de', 'fr'], directions: 'any-to-any' });
export const [vA, vB] = ['sotto/a@v-sotto/a', 'sotto/b@v-sotto/b'];

export function defaultRolloutSettings(): RolloutSettings {
  const parsed = parseRolloutSettings({});
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.settings;
}

/**
 * For the rollout and admin route tests: a rollout over the real engine (behind a fault injector) and a fake backend;
 * sotto/a is preloaded and is `translation-default`'s stable.
 */
export async function fakeRollout(overrides: Partial<RolloutSettings> = {}) {
  const backend = new FakeBackend(2);
  const engine = new TranslationEngine({
    catalog: { models: [a, b, multilingual], defaultModel: 'sotto/a' },
    backend,
    settings: {
      models: ['sotto/a'],
      batching: { maxBatchSize: 8, preferredBatchSizes: [], maxTokens: 4096, maxQueueDelayMs: 0 },
      modelBatching: {},
      queueSize: 100,
      deadlineMs: 5000,
      cacheSize: 0,
      memoryBudgetBytes: 10_000,
    },
    log: () => {},
  });
  engine.start();
  const rollbacks: [string, RollbackReason][] = [];
  const settings = { ...defaultRolloutSettings(), rollbackGraceMs: 0, ...overrides };
  const faults = new FaultInjectingHost(engine);
  const rollout = new ModelRollout(faults, settings, {
    preloaded: engine.preloadedModels,
    onRollback: (name, reason) => rollbacks.push([name, reason]),
    log: () => {},
  });
  await vi.waitFor(() => expect(engine.models().find((m) => m.id === 'sotto/a')?.status).toBe('ready'));
  const translate = (client?: string, model?: string) =>
    rollout.translate({ segments: ['hi'], source: 'en', target: 'de', ...(client && { client }), ...(model && { model }) });
  return { rollout, backend, engine, faults, rollbacks, translate };
}
