export * from './builder.ts';
export * from './clock.ts';
export * from './deployer.ts';
export * from './event-bus.ts';
export * from './metrics-source.ts';
export * from './notifier.ts';
export * from './run-store.ts';
export * from './secret-source.ts';
