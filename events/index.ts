export * from './common.ts';
export * from './parse.ts';
export * from './pipeline-events.ts';
export * from './source-push.ts';
