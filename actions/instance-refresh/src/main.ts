import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { createClient, progress, runAction, setOutputs, writeSummary } from '../../lib/index.js';
import { type RefreshInputs, readRefreshInputs } from './inputs.js';
import { newOutcome, refreshInstances } from './refresh-instances.js';
import { refreshSummary } from './summary.js';

/** Reads the inputs, runs the refresh, and always sets the outputs and writes the summary. */
export async function run(): Promise<void> {
  await runAction(async ({ signal, clock }) => {
    const outcome = newOutcome();
    let inputs: RefreshInputs | undefined;
    try {
      inputs = readRefreshInputs();
      const autoScaling = createClient(AutoScalingClient, { region: inputs.region });
      await refreshInstances({ autoScaling, clock, signal, log: progress }, inputs, outcome);
    } finally {
      setOutputs({
        'refresh-id': outcome.refreshId,
        status: outcome.status,
        'duration-seconds': outcome.durationSeconds,
      });
      if (inputs) await writeSummary(refreshSummary(inputs, outcome));
    }
  });
}
