import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createClient, runAction, setOutputs, writeSummary } from '../../lib/index.js';
import { type BakeState, bake } from './bake.js';
import { readBakeInputs } from './inputs.js';
import { bakeSummary } from './summary.js';

/** Reads the inputs, bakes (or reuses) the image, and always sets the outputs. */
export async function run(): Promise<void> {
  await runAction(async ({ signal, clock }) => {
    const state: BakeState = {};
    const started = clock.now();
    try {
      const inputs = readBakeInputs();
      const ec2 = createClient(EC2Client, { region: inputs.region });
      const ssm = createClient(SSMClient, { region: inputs.region });
      await bake({ ec2, ssm, signal, clock }, inputs, state);
      await writeSummary(bakeSummary(inputs, state, clock.now() - started));
    } finally {
      setOutputs({
        'image-id': state.imageId,
        'recipe-hash': state.recipeHash,
        'cache-hit': state.cacheHit ?? false,
        'image-name': state.imageName,
        'builder-instance-id': state.builderInstanceId,
        'deregistered-images': state.deregistered?.join(','),
      });
    }
  });
}
