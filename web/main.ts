import { startApp } from './client/app.ts';

void startApp(document);
