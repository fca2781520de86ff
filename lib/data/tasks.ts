/**
 * LongLaMP tasks on the Hub (`LongLaMP/LongLaMP`): task number → config name per setting, the
 * user id field and the profile item fields. The paper numbers tasks 2 = abstract generation,
 * 3 = review writing, 4 = topic writing (some third-party code swaps 3 and 4), so always resolve a
 * task to its config name and print that.
 */

/** Hub dataset holding LongLaMP. */
export const LONGLAMP_REPO = 'LongLaMP/LongLaMP';

/** Task ids as the paper numbers them. */
export type TaskId = 'LongLaMP-2' | 'LongLaMP-3' | 'LongLaMP-4';
/** Short kind of a task (decides the record schema and the prompt templates). */
export type TaskKind = 'abstract' | 'review' | 'topic';
/** `user`: whole users held out; `temporal`: each user's latest item held out. */
export type Setting = 'user' | 'temporal';
/** Split names as on the Hub (`val`, not `validation`). */
export type Split = 'train' | 'val' | 'test';

/** All task ids. */
export const TASK_IDS: readonly TaskId[] = ['LongLaMP-2', 'LongLaMP-3', 'LongLaMP-4'];
/** All settings. */
export const SETTINGS: readonly Setting[] = ['user', 'temporal'];
/** All splits. */
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/**
 * How a field's value is read:
 * - `text`: a string;
 * - `id`: a string or a number (kept as a string);
 * - `year`: an integer or a numeric string (a number; null allowed);
 * - `rating`: a number or a string, kept as the string Python would print (`5.0` for floats).
 */
export type FieldType = 'text' | 'id' | 'year' | 'rating';

/** A task's description. */
export interface TaskSpec {
  id: TaskId;
  kind: TaskKind;
  /** e.g. `abstract generation`. */
  title: string;
  /** Config name per setting. */
  configs: Record<Setting, string>;
  /** Top-level user id column. */
  userIdField: string;
  /** Profile item fields and their types, in the documented order. */
  profileFields: Readonly<Record<string, FieldType>>;
}

/** The three Hub tasks, as documented in longlamp.md. */
export const TASKS: Readonly<Record<TaskId, TaskSpec>> = {
  'LongLaMP-2': {
    id: 'LongLaMP-2',
    kind: 'abstract',
    title: 'abstract generation',
    configs: { user: 'abstract_generation_user', temporal: 'abstract_generation_temporal' },
    userIdField: 'name',
    profileFields: { abstract: 'text', id: 'id', title: 'text', year: 'year' },
  },
  'LongLaMP-3': {
    id: 'LongLaMP-3',
    kind: 'review',
    title: 'product review writing',
    configs: { user: 'product_review_user', temporal: 'product_review_temporal' },
    userIdField: 'reviewerId',
    profileFields: { description: 'text', overall: 'rating', reviewText: 'text', summary: 'text' },
  },
  'LongLaMP-4': {
    id: 'LongLaMP-4',
    kind: 'topic',
    title: 'topic writing',
    configs: { user: 'topic_writing_user', temporal: 'topic_writing_temporal' },
    userIdField: 'author',
    profileFields: { author: 'id', content: 'text', id: 'id', summary: 'text' },
  },
};

/**
 * Resolves a task given as `LongLaMP-2` (any case, `_` or `-`, or just `2`), a kind
 * (`abstract`, `review`, `topic`) or a config name (`product_review_user`). Throws listing the
 * accepted values otherwise. Task 1 (e-mail) is private data, not on the Hub.
 */
export function resolveTask(task: string): TaskSpec {
  const t = task.trim();
  const m = /^(?:longlamp[-_ ]?)?(\d)$/i.exec(t);
  if (m) {
    const id = `LongLaMP-${m[1]}` as TaskId;
    if (id in TASKS) return TASKS[id];
    if (m[1] === '1') throw new Error('LongLaMP-1 (personalized e-mail completion) is private data and not on the Hub; use LongLaMP-2, LongLaMP-3 or LongLaMP-4');
  }
  for (const spec of Object.values(TASKS)) {
    if (t.toLowerCase() === spec.kind || Object.values(spec.configs).includes(t)) return spec;
  }
  throw new Error(
    `unknown LongLaMP task "${task}": expected ${TASK_IDS.join(', ')} (2 = abstract generation, 3 = product review, 4 = topic writing), ` +
      'a kind (abstract, review, topic) or a config name such as abstract_generation_user',
  );
}

/** The task's setting if `task` was given as a config name, else undefined. */
export function settingOfConfig(task: string): Setting | undefined {
  for (const spec of Object.values(TASKS)) {
    for (const s of SETTINGS) if (spec.configs[s] === task.trim()) return s;
  }
  return undefined;
}

/** Checks a setting name. */
export function parseSetting(setting: string): Setting {
  if ((SETTINGS as readonly string[]).includes(setting)) return setting as Setting;
  throw new Error(`unknown setting "${setting}": expected user or temporal`);
}

/** Checks a split name (`validation` and `dev` are accepted as `val`). */
export function parseSplit(split: string): Split {
  if (split === 'validation' || split === 'dev') return 'val';
  if ((SPLITS as readonly string[]).includes(split)) return split as Split;
  throw new Error(`unknown split "${split}": expected train, val or test`);
}

/** Config name of a task in a setting, e.g. `LongLaMP-2` + `user` → `abstract_generation_user`. */
export function configName(task: TaskId | TaskSpec, setting: Setting): string {
  const spec = typeof task === 'string' ? TASKS[task] : task;
  return spec.configs[setting];
}

/** One line saying what a task resolves to, e.g. `LongLaMP-2 (abstract generation), user setting → config abstract_generation_user`. */
export function describeConfig(task: TaskSpec, setting: Setting, split?: Split): string {
  return `${task.id} (${task.title}), ${setting} setting → config ${task.configs[setting]}${split ? `, split ${split}` : ''}`;
}
