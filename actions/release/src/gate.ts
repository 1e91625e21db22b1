/**
 * The gate in front of a deploy. GitHub keeps at most one pending run per concurrency group: "any
 * existing pending job or workflow in the same concurrency group, if it exists, will be canceled and
 * the new queued job or workflow will take its place" (GitHub docs, "Control the concurrency of
 * workflows and jobs"). A push while a deploy runs would therefore cancel a rollback waiting behind
 * it. So before a push's deploy job enters the group, the gate asks GitHub whether a rollback of the
 * environment is queued or waiting; if one is, this push does not deploy (and says so), leaving the
 * rollback its place.
 */
import type { getOctokit } from '@actions/github';

export interface WorkflowRun {
  id: number;
  status?: string | null;
  display_title?: string;
  html_url?: string;
  created_at?: string;
}

export interface RunsApi {
  list(workflowFile: string, status: string): Promise<WorkflowRun[]>;
}

/** Statuses of a run that has not finished (GitHub REST, "List workflow runs for a workflow", `status`). */
export const UNFINISHED = ['queued', 'pending', 'waiting', 'requested', 'in_progress'] as const;

export const ROLLBACK_WORKFLOW = 'rollback.yml';

/** The rollback runs of `environment` that have not finished (their run-name names the environment). */
export async function unfinishedRollbacks(api: RunsApi, environment: string): Promise<WorkflowRun[]> {
  const seen = new Map<number, WorkflowRun>();
  for (const status of UNFINISHED) {
    for (const run of await api.list(ROLLBACK_WORKFLOW, status)) {
      if ((run.display_title ?? '').split(/\s+/).includes(environment)) seen.set(run.id, run);
    }
  }
  return [...seen.values()];
}

export function octokitRuns(
  octokit: ReturnType<typeof getOctokit>,
  repo: { owner: string; repo: string },
): RunsApi {
  return {
    list: async (workflowFile, status) =>
      (
        await octokit.rest.actions.listWorkflowRuns({
          ...repo,
          workflow_id: workflowFile,
          status: status as never,
          per_page: 100,
        })
      ).data.workflow_runs,
  };
}
