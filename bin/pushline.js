#!/usr/bin/env node
// The `pushline` command. The sources are TypeScript; tsx runs them without a build step.
import { register } from 'tsx/esm/api';

register();
// The AWS SDK warns on every command that its releases after January 2027 need Node 22; Pushline
// supports Node 20.19+ with the SDK versions it pins, so the warning only adds noise to AWS-mode commands.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv);
