import { Hono } from 'hono';
import { z } from 'zod';
import { problem } from '../server/problem.ts';
import type { AppFetch } from '../server/serve.ts';
import { TranslationError } from '../server/translation/errors.ts';
import { RegistryError } from '../server/translation/model-registry.ts';
import { versionLabel, type VersionHost } from '../server/translation/model-rollout.ts';
import type { TranslateRequest } from '../server/translation/service.ts';

/**
 * Wraps the engine the rollout runs versions on and fails a chosen share of the requests to a version with
 * `worker-failed`, as a crashing version would: the rollout counts them against it (and rolls a canary back).
 */
export class FaultInjectingHost implements VersionHost {
  readonly #errorRates = new Map<string, number>();

  constructor(
    private readonly host: VersionHost,
    private readonly random: () => number = Math.random,
  ) {}

  /** Fails `errorRate` of the requests to `version` (`owner/name@digest`); 0 clears it. Unknown versions are refused. */
  inject(version: string, errorRate: number): void {
    const model = this.host.catalogModel(version.split('@')[0]!);
    if (!model || versionLabel(model) !== version) throw new RegistryError('unknown', `The models folder holds no version ${version}.`);
    if (errorRate > 0) this.#errorRates.set(version, errorRate);
    else this.#errorRates.delete(version);
  }

  async translate(request: TranslateRequest) {
    const model = request.model === undefined ? undefined : this.host.catalogModel(request.model);
    const version = model && versionLabel(model);
    if (version && (this.#errorRates.get(version) ?? 0) > this.random()) {
      throw new TranslationError('worker-failed', `Injected fault for ${version}.`);
    }
    return this.host.translate(request);
  }

  readonly catalogModel = (modelId: string) => this.host.catalogModel(modelId);
  readonly load = (modelId: string) => this.host.load(modelId);
  readonly unload = (modelId: string) => this.host.unload(modelId);
  readonly models = () => this.host.models();
  readonly languages = () => this.host.languages();
  readonly stats = () => this.host.stats();
}

const faultBody = z.object({ version: z.string().min(1), errorRate: z.number().min(0).max(1) }).strict();

/**
 * A test server's request handler: `POST /admin/test/faults {version, errorRate}` sets a fault on `faults`,
 * everything else goes to the app. Only test entry points (testing/fault-server.ts) mount it.
 */
export function withFaultControl(fetch: AppFetch, faults: () => FaultInjectingHost | undefined): AppFetch {
  const control = new Hono().post('/admin/test/faults', async (c) => {
    const host = faults();
    if (!host) return problem(c, 503, 'Translation Not Running', 'Translation is not running on this server.');
    const parsed = faultBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return problem(c, 422, 'Invalid Body', z.prettifyError(parsed.error));
    try {
      host.inject(parsed.data.version, parsed.data.errorRate);
    } catch (err) {
      if (err instanceof RegistryError) return problem(c, 404, 'Unknown Version', err.message);
      throw err;
    }
    return c.json(parsed.data, 200);
  });
  return (request, env) => (new URL(request.url).pathname === '/admin/test/faults' ? control.fetch(request) : fetch(request, env));
}
