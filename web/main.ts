import './zod-config.ts';
import { startApp } from './client/app.ts';
import { createTranslationPipeline } from './client/translation-pipeline.ts';

void startApp(document, { createPipeline: createTranslationPipeline });
