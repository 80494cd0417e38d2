import { createApp, type TranslationMount } from './app.ts';
import { listen, type ListenOptions } from './http-server.ts';
import {
  ConfigError,
  loadConfig,
  loadHttpConfig,
  loadOpsConfig,
  loadRolloutConfig,
  loadTranslationConfig,
  type HttpSettings,
  type RolloutSettings,
  type ServerConfig,
  type TranslationSettings,
} from './config.ts';
import { Metrics } from './ops/metrics.ts';
import { createOperations, type Operations } from './ops/operations.ts';
import { GracefulShutdown } from './ops/shutdown.ts';
import { startTranslationEngine } from './translation/engine.ts';
import { ModelRollout, type VersionHost } from './translation/model-rollout.ts';
import { unavailableTranslation } from './translation/service.ts';

/** Seams for a test entry point (testing/fault-server.ts); production runs without any. */
export interface ServeHooks {
  /** Wraps the engine the served models' versions run on. */
  versionHost?: (engine: VersionHost) => VersionHost;
  /** Wraps the app's request handler. */
  fetch?: (fetch: AppFetch) => AppFetch;
}

export type AppFetch = ListenOptions['fetch'];

function log(message: string): void {
  console.log(`[sotto] ${message}`);
}

function displayUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
}

/** `stop()` fails the translations still waiting and stops the workers; /readyz waits for `requiredModels`. */
type RunningTranslation = TranslationMount & { stop(): Promise<void>; requiredModels: () => readonly string[] };

/**
 * Starts the inference workers, with the served models' versions in front of them; a broken manifest
 * turns translation off (503) rather than stopping the server.
 */
async function startTranslation(
  config: ServerConfig,
  settings: TranslationSettings,
  rolloutSettings: RolloutSettings,
  metrics: Metrics,
  hooks: ServeHooks,
): Promise<RunningTranslation> {
  try {
    const engine = await startTranslationEngine(settings, config.modelsDir, { observer: metrics.engine });
    const rollout = new ModelRollout(hooks.versionHost?.(engine) ?? engine, rolloutSettings, {
      preloaded: engine.preloadedModels,
      onRollback: (name, reason) => metrics.rollback(name, reason),
    });
    return { service: rollout, rollout, limits: settings.limits, stop: () => engine.stop(), requiredModels: () => rollout.requiredModels() };
  } catch (err) {
    const reason = `Translation is off: ${err instanceof Error ? err.message : String(err)}`;
    log(reason);
    return { service: unavailableTranslation(reason), limits: settings.limits, stop: async () => {}, requiredModels: () => [] };
  }
}

function start(config: ServerConfig, http: HttpSettings, translation: RunningTranslation, ops: Operations, shutdownGraceMs: number, hooks: ServeHooks): void {
  const app = createApp(config, translation, ops);
  const fetch = hooks.fetch?.(app.fetch) ?? app.fetch;
  const listening = { fetch, port: config.port, hostname: config.host, http, maxBodyBytes: translation.limits.maxBodyBytes };
  const server = listen(listening, (info) => {
    console.log(`Sotto is running at ${displayUrl(config.host, info.port)}`);
  });

  server.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') {
      console.error(`Port ${config.port} on ${config.host} is already in use. Stop the other server or pick another port, e.g. PORT=8081 npm start.`);
    } else if (err.code === 'EACCES') {
      console.error(`Not allowed to listen on ${config.host}:${config.port}. Pick a port above 1023, e.g. PORT=8080 npm start.`);
    } else {
      console.error(`The server failed: ${err.message}`);
    }
    process.exit(1);
  });

  ops.readiness.watch();
  const shutdown = new GracefulShutdown({
    server,
    drain: ops.drain,
    stopWork: () => translation.stop(),
    graceMs: shutdownGraceMs,
    log: ops.log,
  });
  let closing = false;
  // Once each: the same signal again (Ctrl-C twice) ends the process at once.
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    void shutdown.run(signal).then((code) => process.exit(code));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

/** Reads the settings, starts translation and serves until SIGTERM; bad settings end the process with their message. */
export async function serve(hooks: ServeHooks = {}): Promise<void> {
  try {
    const config = loadConfig();
    const httpSettings = loadHttpConfig();
    const translationSettings = loadTranslationConfig();
    const opsSettings = loadOpsConfig();
    const rolloutSettings = loadRolloutConfig();
    const metrics = new Metrics();
    const translation = await startTranslation(config, translationSettings, rolloutSettings, metrics, hooks);
    const ops = createOperations({
      service: translation.service,
      requiredModels: translation.requiredModels,
      pricing: opsSettings.pricing,
      metrics,
    });
    start(config, httpSettings, translation, ops, opsSettings.shutdownGraceMs, hooks);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}
