/**
 * The AWS simulation (test/integration/aws-simulation.test.ts: every run of it, through the real
 * handlers and the packaged template's routing) with its table and parameters on moto: the store's
 * transactions, the outbox's scan and the webhook secret's read answered by an implementation of
 * DynamoDB and SSM that is not ours. CodeBuild, CodeDeploy, CloudWatch, Lambda and Scheduler stay
 * simulated: moto records their calls but has no behaviour a run can move on (a build that
 * finishes, a deployment that runs its hooks, a schedule that fires).
 */
process.env.PUSHLINE_SIMULATION_BACKEND = 'moto';
await import('../integration/aws-simulation.test.ts');

export {};
