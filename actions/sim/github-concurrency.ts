/**
 * GitHub's concurrency groups, as "Control the concurrency of workflows and jobs" (GitHub docs)
 * states them: in a group at most one job runs and at most one waits; "when a concurrent job or
 * workflow is queued, if another job or workflow using the same concurrency group in the repository
 * is in progress, the queued job or workflow will be pending. Any existing pending job or workflow in
 * the same concurrency group, if it exists, will be canceled and the new queued job or workflow will
 * take its place"; with `cancel-in-progress: true` the running one is cancelled instead.
 */
export type RunState = 'in_progress' | 'pending' | 'cancelled' | 'completed';

export interface QueuedRun {
  id: number;
  workflow: string;
  title: string;
  state: RunState;
}

export class ConcurrencyGroup {
  readonly runs: QueuedRun[] = [];
  #next = 1;

  constructor(readonly name: string) {}

  get running(): QueuedRun | undefined {
    return this.runs.find((r) => r.state === 'in_progress');
  }

  get pending(): QueuedRun | undefined {
    return this.runs.find((r) => r.state === 'pending');
  }

  /** A job of `workflow` reaches the group. */
  queue(workflow: string, title: string, cancelInProgress = false): QueuedRun {
    const run: QueuedRun = { id: this.#next++, workflow, title, state: 'pending' };
    if (cancelInProgress && this.running) this.running.state = 'cancelled';
    if (this.pending) this.pending.state = 'cancelled';
    this.runs.push(run);
    if (!this.running) run.state = 'in_progress';
    return run;
  }

  /** The running job ends; the pending one starts. */
  finish(run: QueuedRun): void {
    if (run.state !== 'in_progress') throw new Error(`run ${run.id} is ${run.state}, not in progress`);
    run.state = 'completed';
    const next = this.pending;
    if (next) next.state = 'in_progress';
  }

  /** What GitHub's "list workflow runs" answers for `workflow` with this `status` filter. */
  list(workflow: string, status: string) {
    return this.runs
      .filter((r) => r.workflow === workflow && r.state === status)
      .map((r) => ({ id: r.id, status: r.state, display_title: r.title }));
  }
}
