import { Hono } from 'hono';

/** JSON routes the web app calls. No Node imports here, so the web's tsconfig can take `ApiType` for its `hc` client. */
export function createApiRoutes(options: { asrModel: string; liveAsrModel: string | null }) {
  return new Hono().get('/api/config', (c) => c.json({ asrModel: options.asrModel, liveAsrModel: options.liveAsrModel }, 200));
}

export type ApiType = ReturnType<typeof createApiRoutes>;
