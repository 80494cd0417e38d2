import { allSettings } from './all-settings.ts';
import { markdownTable, thisMachine } from './setting.ts';

export const settingsStart = '<!-- settings:start (generated from server/settings/all-settings.ts by `npm run docs:settings`; edit the docs there) -->';
export const settingsEnd = '<!-- settings:end -->';

/** The README's configuration table as the settings declare it (defaults that follow the machine are shown in words). */
export const readmeSettingsTable = (): string => markdownTable(allSettings, thisMachine());

/** `readme` with the text between the settings markers replaced by `table`. */
export function withSettingsTable(readme: string, table: string): string {
  const start = readme.indexOf(settingsStart);
  const end = readme.indexOf(settingsEnd);
  if (start < 0 || end < start) throw new Error(`The README has no "${settingsStart}" … "${settingsEnd}" markers around its configuration table.`);
  return `${readme.slice(0, start + settingsStart.length)}\n${table}\n${readme.slice(end)}`;
}
