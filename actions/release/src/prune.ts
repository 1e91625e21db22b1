/**
 * Revision pruning, the release's share of the bucket's lifecycle: the stack's rule deletes what is
 * tagged `dealership:revision=pruned` (docs/operations.md, "Revisions: what is kept"). The release tags
 * every revision outside the last KEPT good releases, never the live one, never the deployment
 * group's last successful (target) revision, never one a deployment in progress uses — so a scale-out,
 * an instance refresh or a replacement always finds the revision it is given.
 */

import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { ListObjectsV2Command, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { activeDeployments } from '../../codedeploy-deploy/src/deployments.js';
import type { ReleaseRecord } from './record.js';
import { readLastDeployment } from './state.js';

export const PRUNED_TAG = { Key: 'dealership:revision', Value: 'pruned' };
/** Good releases whose revisions are kept. */
export const KEPT_RELEASES_REVISIONS = 10;

export interface PruneRequest {
  bucket: string;
  prefix: string;
  application: string;
  deploymentGroup: string;
  keep?: number;
}

/** Tags what may go; returns the s3:// URLs it tagged. */
export async function pruneRevisions(
  clients: { s3: S3Client; codeDeploy: CodeDeployClient },
  record: ReleaseRecord,
  request: PruneRequest,
): Promise<string[]> {
  const keep = new Set<string>();
  for (const r of record.releases
    .filter((r) => r.outcome === 'succeeded')
    .slice(0, request.keep ?? KEPT_RELEASES_REVISIONS)) {
    if (r.revision) keep.add(r.revision);
  }
  for (const r of record.releases.filter((r) => r.outcome === 'in-progress'))
    if (r.revision) keep.add(r.revision);
  const last = await readLastDeployment(clients.codeDeploy, request.application, request.deploymentGroup);
  if (last?.revision) keep.add(last.revision);
  for (const id of await activeDeployments(
    clients.codeDeploy,
    request.application,
    request.deploymentGroup,
  )) {
    const { deploymentInfo } = await clients.codeDeploy.send(new GetDeploymentCommand({ deploymentId: id }));
    const s3 = deploymentInfo?.revision?.s3Location;
    if (s3?.bucket && s3.key) keep.add(`s3://${s3.bucket}/${s3.key}`);
  }
  const tagged: string[] = [];
  let token: string | undefined;
  do {
    const page = await clients.s3.send(
      new ListObjectsV2Command({
        Bucket: request.bucket,
        Prefix: `${request.prefix}/`,
        ContinuationToken: token,
      }),
    );
    for (const object of page.Contents ?? []) {
      const url = `s3://${request.bucket}/${object.Key}`;
      if (keep.has(url)) continue;
      await clients.s3.send(
        new PutObjectTaggingCommand({
          Bucket: request.bucket,
          Key: object.Key,
          Tagging: { TagSet: [PRUNED_TAG] },
        }),
      );
      tagged.push(url);
    }
    token = page.NextContinuationToken;
  } while (token);
  return tagged;
}
