import type { Hono } from 'hono';
import { expectTypeOf, test } from 'vitest';
import type { ModelInfo } from '../translation/model-manager.ts';
import type { TranslateResult } from '../translation/service.ts';
import type { createTranslationRoutes } from './translate-routes.ts';
import type { ServerModel, TranslateRequestBody, TranslateResponse } from '../../web/shared/translation-api.ts';

// The web's contract must stay true to the server. Bodies are checked against the service types the routes
// serialise: the route type widens their 200 bodies to {}.
type ServerSchema = ReturnType<typeof createTranslationRoutes> extends Hono<infer _Env, infer S, infer _BasePath> ? S : never;

test('the web client sends what /v1/translate accepts', () => {
  expectTypeOf<TranslateRequestBody>().toExtend<ServerSchema['/v1/translate']['$post']['input']['json']>();
});

test('the web client reads what the server answers', () => {
  expectTypeOf<TranslateResult>().toExtend<TranslateResponse>();
  expectTypeOf<ModelInfo>().toExtend<ServerModel>();
});
