import { startTranslationServer, type TranslationServer } from '../../testing/load/translation-server.ts';
import { describeScenario, effectiveSettings, scenarioEnv, type Scenario } from './scenarios.ts';

// A server with the 600M model loads for minutes on a busy 2-core machine.
const readyTimeoutMs = 600_000;

export interface ScenarioServer {
  scenario: Scenario;
  /** Model, precision, batching, cache, workers and threads as configured. */
  description: string;
  server: TranslationServer;
  /** What /v1/models says the server actually runs. */
  provider: string | null;
  precision: string | null;
  startSeconds: number;
}

/** Starts a server for the scenario and warms it up with one request. */
export async function startScenario(scenario: Scenario, warmUp: string[]): Promise<ScenarioServer> {
  const description = describeScenario(scenario, effectiveSettings(scenario));
  console.log(`[${scenario.id}] starting: ${description}`);
  const started = performance.now();
  const server = await startTranslationServer(scenarioEnv(scenario), readyTimeoutMs);
  try {
    const info = (await server.models()).find((model) => model.id === scenario.model);
    const startSeconds = (performance.now() - started) / 1000;
    // SOTTO_PROVIDERS names the scenario's provider alone, so this only guards against a server that ignores it.
    if (info?.provider !== scenario.provider) throw new Error(`${scenario.model} runs on ${info?.provider ?? 'nothing'}, not ${scenario.provider}`);
    await server.translateOk(warmUp);
    console.log(`[${scenario.id}] ready on ${info?.provider} ${info?.precision} after ${startSeconds.toFixed(1)} s`);
    return { scenario, description, server, provider: info?.provider ?? null, precision: info?.precision ?? null, startSeconds };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
