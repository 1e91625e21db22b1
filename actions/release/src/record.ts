/**
 * The release record: one JSON object per environment in the revision bucket
 * (`releases/<environment>.json`), the durable answer to "what is live, what was good before it, and
 * what is this run doing". Every write is conditional on the ETag this run last read (S3 PutObject
 * `If-Match`, or `If-None-Match: *` for the first write), so a run that lost the record to a newer one
 * can never overwrite it: S3 answers 412 PreconditionFailed (or 409 ConditionalRequestConflict for two
 * writes racing) — S3 API reference, PutObject, "Conditional writes".
 */
import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { awsErrorCode } from '../../lib/index.js';

export type Outcome =
  | 'in-progress'
  | 'succeeded'
  | 'failed'
  | 'timed-out'
  | 'cancelled'
  | 'interrupted'
  | 'refused'
  /** Live on the canary instances only, waiting for approval (canary.ts); never "the live release". */
  | 'canary';

export type StageOutcome = 'succeeded' | 'failed' | 'timed-out' | 'cancelled' | 'skipped' | 'left-running';

/** One line of the timeline: a stage of the release (or of its rollback) with when and how it ended. */
export interface Stage {
  name: string;
  startedAt: string;
  endedAt?: string;
  outcome?: StageOutcome;
  detail?: string;
}

/** What a release puts live: the commit, its revision, its image and the launch template version. */
export interface Content {
  commit: string;
  /** s3://bucket/key of the CodeDeploy revision. */
  revision?: string;
  imageId?: string;
  launchTemplateVersion?: number;
}

export interface Release extends Content {
  /** `<run id>-<attempt>`: one entry per workflow run attempt. */
  id: string;
  kind: 'deploy' | 'rollback';
  actor?: string;
  reason?: string;
  outcome: Outcome;
  /** A good release later rolled away from: `rollback previous` never goes back to it. */
  rejected?: boolean;
  /** For a rollback (or a failed deploy's own rollback): the release it restored. */
  restored?: string;
  /** Whether the pipeline's rollback after a failure brought the stack back (undefined: none needed). */
  rollback?: 'succeeded' | 'failed' | 'left-running' | 'not-possible';
  /** The group had no instances: the revision is recorded but no instance runs it yet (bootstrap). */
  noInstances?: boolean;
  startedAt: string;
  endedAt?: string;
  stages: Stage[];
  /** A release that stopped at a canary: its instances, deadlines, health looks and how it ended. */
  canary?: CanaryRecord;
}

/** One look at the canary during its bake (or its wait for approval). */
export interface HealthLook {
  at: string;
  /** Every watched alarm with its state (OK, ALARM, INSUFFICIENT_DATA). */
  alarms: { name: string; state: string; reason?: string }[];
  /** The canary instances behind the load balancer: healthy, unhealthy (reason), draining… */
  targets: { id: string; state: string }[];
  /** The target group's 5xx answers since the bake began (ALB HTTPCode_Target_5XX_Count, Sum). */
  http5xx?: number;
  /** Its worst minute of average response time since the bake began, in ms (ALB TargetResponseTime). */
  latencyMs?: number;
}

export interface CanaryRecord {
  percentage: number;
  /** The deployment group of the tagged canary instances (what a rollback redeploys the good revision through). */
  deploymentGroup: string;
  /** The instances that run the release (the refresh's new ones, or the ones the revision went to). */
  instances: string[];
  /** The image went to the canary by a refresh stopped below 100 %. */
  image: boolean;
  /** The revision went to the canary instances (the canary deployment group). */
  app: boolean;
  state: 'baking' | 'waiting' | 'promoting' | 'promoted' | 'aborting' | 'rolled-back';
  bakeUntil: string;
  /** An approval after this is too late: the canary is rolled back instead. */
  approveBy?: string;
  looks: HealthLook[];
  /** Why it was rolled back (an alarm, a refused or late approval, a cancel). */
  verdict?: string;
}

export interface ReleaseRecord {
  schema: 1;
  environment: string;
  /** Newest first. */
  releases: Release[];
}

export function recordKey(environment: string): string {
  return `releases/${environment}.json`;
}

export interface StoredRecord {
  record: ReleaseRecord;
  /** The ETag of what was read; undefined when no record exists yet. */
  etag?: string;
}

export function emptyRecord(environment: string): ReleaseRecord {
  return { schema: 1, environment, releases: [] };
}

/** Reads the record; an environment never released to has an empty one. */
export async function readRecord(
  s3: S3Client,
  bucket: string,
  environment: string,
  abortSignal?: AbortSignal,
): Promise<StoredRecord> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: recordKey(environment) }), {
      abortSignal,
    });
    const text = await object.Body!.transformToString();
    const record = JSON.parse(text) as ReleaseRecord;
    if (record.schema !== 1 || !Array.isArray(record.releases)) {
      throw new Error(
        `s3://${bucket}/${recordKey(environment)} is not a release record (schema ${record.schema})`,
      );
    }
    return { record, etag: object.ETag };
  } catch (error) {
    if (error instanceof NoSuchKey || awsErrorCode(error) === 'NoSuchKey') {
      return { record: emptyRecord(environment) };
    }
    throw error;
  }
}

/** The release that is live: the newest one that succeeded. */
export function liveRelease(record: ReleaseRecord): Release | undefined {
  return record.releases.find((r) => r.outcome === 'succeeded');
}

export function sameContent(a: Content, b: Content): boolean {
  return a.revision === b.revision && a.imageId === b.imageId;
}

/**
 * `rollback previous`: the newest good release before the live one that puts something else live and
 * that no rollback has rejected — so two rollbacks in a row go back two releases, never flip between two.
 */
export function previousGoodRelease(record: ReleaseRecord): Release | undefined {
  const live = liveRelease(record);
  if (!live) return undefined;
  return record.releases.find(
    (r) => r.outcome === 'succeeded' && !r.rejected && r !== live && !sameContent(r, live),
  );
}

/** Marks every good release with the live content as rejected (what a rollback rolls away from). */
export function rejectLiveContent(record: ReleaseRecord, except: Release): void {
  const live = liveRelease(record);
  if (!live) return;
  for (const r of record.releases) {
    if (r !== except && r.outcome === 'succeeded' && sameContent(r, live)) r.rejected = true;
  }
}
