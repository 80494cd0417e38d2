import { Hono, type Context } from 'hono';
import { validator } from 'hono/validator';
import { z } from 'zod';
import { problem } from '../problem.ts';
import { isTranslationError } from '../translation/errors.ts';
import { RegistryError } from '../translation/model-registry.ts';
import type { ModelRollout } from '../translation/model-rollout.ts';
import { problemResponder, translationFailure } from '../v1/error-responses.ts';
import { invalidBody } from '../v1/request-checks.ts';

const percent = z.number().min(0).max(100);

const deployBody = z
  .object({
    /** `owner/name@digest`, as GET /admin/models and /v1/models show it: refused unless that digest is on disk. */
    version: z.string().min(1).max(300).optional(),
    modelId: z.string().min(1).max(200).optional(),
    canaryPercent: percent.optional(),
  })
  .strict()
  .refine((body) => (body.version === undefined) !== (body.modelId === undefined), 'give either version or modelId');

const canaryBody = z.object({ percent }).strict();

function json<T extends z.ZodType>(schema: T) {
  return validator('json', (value, c) => {
    const parsed = schema.safeParse(value);
    return parsed.success ? (parsed.data as z.output<T>) : invalidBody(c, parsed.error, problemResponder, 422);
  });
}

/** Runs a rollout action and answers with the served model as it is now, or the problem. */
async function act(c: Context, rollout: ModelRollout, name: string, action: () => unknown): Promise<Response> {
  try {
    await action();
  } catch (err) {
    if (err instanceof RegistryError) {
      return problem(c, err.kind === 'unknown' ? 404 : 409, err.kind === 'unknown' ? 'Unknown Model' : 'Conflict', err.message);
    }
    if (isTranslationError(err)) return translationFailure(c, err, problemResponder);
    throw err;
  }
  return c.json(rollout.view().find((served) => served.name === name)!, 200);
}

/**
 * Model lifecycle, mounted at /admin behind adminAuth: GET /models; POST /models/:name/deploy, /promote,
 * /rollback, /canary. Without a running engine every route answers 503.
 */
export function createModelAdminRoutes(rollout: ModelRollout | undefined) {
  const app = new Hono();
  if (!rollout) {
    return app.all('/models/*', (c) => problem(c, 503, 'Translation Not Running', 'Translation is not running on this server.'));
  }
  const known = (c: Context, name: string) =>
    rollout.registry.has(name) ? undefined : problem(c, 404, 'Unknown Model', `There is no served model "${name}"; GET /admin/models lists them.`);
  return app
    .get('/models', (c) => c.json({ models: rollout.view() }, 200))
    .post('/models/:name/deploy', json(deployBody), (c) => {
      const name = c.req.param('name');
      const { canaryPercent, ...target } = c.req.valid('json');
      return known(c, name) ?? act(c, rollout, name, () => rollout.deploy(name, target, canaryPercent));
    })
    .post('/models/:name/promote', (c) => {
      const name = c.req.param('name');
      return known(c, name) ?? act(c, rollout, name, () => rollout.promote(name));
    })
    .post('/models/:name/rollback', (c) => {
      const name = c.req.param('name');
      return known(c, name) ?? act(c, rollout, name, () => rollout.rollback(name));
    })
    .post('/models/:name/canary', json(canaryBody), (c) => {
      const name = c.req.param('name');
      return known(c, name) ?? act(c, rollout, name, () => rollout.setCanary(name, c.req.valid('json').percent));
    });
}
