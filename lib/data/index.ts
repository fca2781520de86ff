/**
 * LongLaMP data: tasks and configs, readers for parquet/JSON/JSONL, and prompts (plain and RAG).
 * Import as `persona-gen/data`.
 * @module
 */
export { resolveTask, describeConfig, configName, parseSetting, parseSplit, TASKS, TASK_IDS, SETTINGS, SPLITS, LONGLAMP_REPO } from './tasks.js';
export type { TaskId, TaskKind, TaskSpec, Setting, Split } from './tasks.js';
export { openLongLamp, fetchLongLampFiles, readRecords, readAllRecords } from './dataset.js';
export type { LongLampFiles, LongLampFilesRequest } from './dataset.js';
export type { ReadOptions } from './parquet-reader.js';
export { SchemaError } from './parquet-reader.js';
export { RecordError, emptyStats } from './records.js';
export type { LongLampRecord, ProfileItem, AbstractProfileItem, ReviewProfileItem, TopicProfileItem, ReadStats } from './records.js';
export { nonPersonalizedPrompt, ragPrompt, buildRagPrompt, renderProfileItem, retrievalQuery } from './prompts.js';
export type { Retriever, RagOptions, RagPrompt } from './prompts.js';
