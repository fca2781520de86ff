/**
 * The start of a user's first profile item, as prediction lines and reports show it.
 * @module
 */
import type { LongLampRecord, ProfileItem } from '../data/records.js';
import { profileItemText } from '../embed/user-vector.js';

/** The start of a user's first profile item, for reports. */
export function profileExcerpt(record: LongLampRecord, chars = 300): string {
  const first = (record.profile as ProfileItem[])[0];
  if (first === undefined) return '';
  let text = profileItemText(record.kind, first);
  if (record.kind === 'abstract') text = `${(first as { title: string }).title}: ${text}`;
  const chars_ = [...text.replace(/\s+/g, ' ').trim()];
  return chars_.length > chars ? `${chars_.slice(0, chars - 1).join('')}…` : chars_.join('');
}
