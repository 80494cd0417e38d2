import type { Hono } from 'hono';
import { expectTypeOf, test } from 'vitest';
import type { ServerModel, TranslateRequestBody, TranslateResponse, TranslationApi } from '../../contract/translation-api.ts';
import type { ModelInfo } from '../translation/loaded-models.ts';
import type { TranslateRequest, TranslateResult } from '../translation/service.ts';
import type { createTranslationRoutes } from './translate-routes.ts';

// The routes are the contract's chain; what the engine answers must fit the bodies the contract promises.
type Schema<T> = T extends Hono<infer _Env, infer S, infer _BasePath> ? S : never;

test('the server serves the contract\'s route chain, so the web\'s hc client types hold', () => {
  expectTypeOf<Schema<ReturnType<typeof createTranslationRoutes>>>().toExtend<Schema<TranslationApi>>();
  expectTypeOf<Schema<TranslationApi>['/v1/translate']['$post']['input']['json']>().toEqualTypeOf<TranslateRequestBody>();
});

test('the engine takes every request the contract admits and answers what it promises', () => {
  expectTypeOf<Omit<TranslateRequestBody, 'deadlineMs'>>().toExtend<TranslateRequest>();
  expectTypeOf<Omit<TranslateResult, 'computeSeconds'>>().toExtend<TranslateResponse>();
  expectTypeOf<ModelInfo>().toExtend<ServerModel>();
});
