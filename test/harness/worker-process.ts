// A Lifeboat worker in a process of its own, so a test can SIGKILL it mid-run. Reads the suite's servers and
// LIFEBOAT_TEST_TASK_QUEUE from the environment; prints "worker ready" once it polls.
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../config';
import { connectStore } from '../../store/connection';
import { temporalConnectionOptions } from '../../temporal/connection';
import { createLifeboatWorker } from '../../worker/worker';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const config = loadConfig();
  const store = await connectStore(config.MONGODB_URI!);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const worker = await createLifeboatWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: process.env.LIFEBOAT_TEST_TASK_QUEUE!,
    deps: { store, config, smtpUrl: config.SMTP_URL!, env: process.env },
    // The test hands over the bundle it built, so a restarted worker polls again within a second or two.
    workflowBundle: process.env.LIFEBOAT_TEST_BUNDLE ? { codePath: process.env.LIFEBOAT_TEST_BUNDLE } : undefined,
  });
  const running = worker.run(); // resolves after SIGTERM: the SDK's runtime shuts the worker down
  console.log('worker ready');
  await running;
  await connection.close();
  await store.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
