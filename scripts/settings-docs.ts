import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../server/config.ts';
import { readmeSettingsTable, withSettingsTable } from '../server/settings/readme-settings.ts';

/** Writes the README's configuration table from the settings tables (`npm run docs:settings`). */
const readmePath = path.join(repoRoot, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const updated = withSettingsTable(readme, readmeSettingsTable());
if (updated === readme) console.log('README.md: the configuration table is up to date.');
else {
  writeFileSync(readmePath, updated);
  console.log('README.md: the configuration table was rewritten from the settings.');
}
