// Driving hakube from your own TypeScript: start an operation, follow its progress,
// approve the step it waits on, and wait for the result. Run after `bash scripts/setup.sh`
// with a server and a worker up:  node dist/examples/start-and-wait.js my-cluster
import { HakubeClient } from '../client/hakube-client';

async function main(): Promise<void> {
  const cluster = process.argv[2] ?? 'example';
  const client = await HakubeClient.connect(); // TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE honoured
  try {
    const op = await client.startSelfTest({ cluster, requireApproval: true });
    console.log(`${op.started ? 'started' : 'attached to'} ${op.workflowId}`);

    // Poll the progress query until the operation asks for a decision.
    for (;;) {
      const progress = await client.progress(op.workflowId);
      if (progress.waiting) {
        console.log(`waiting for approval: ${progress.waiting.question}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const decision = await client.decide(op.workflowId, {
      approve: true,
      by: 'examples/start-and-wait',
      reason: 'scripted',
    });
    console.log(`decision: ${decision.outcome} by ${decision.by}`);

    const result = await client.result(op.workflowId);
    console.log(`completed on worker ${result.worker.hostname} (pid ${result.worker.pid})`);
  } finally {
    await client.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
