import { serve } from './serve.ts';

/** The production entry point: it serves what is built and generated; `npm start` (scripts/start.ts) builds and generates first. */
await serve();
