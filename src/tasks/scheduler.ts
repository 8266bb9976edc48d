/**
 * Periodic work. Each tick only enqueues a task with a per-period dedupe key, so however many nodes tick,
 * the work runs once per period; the task runner does the rest.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | null = null

  constructor(
    private readonly jobs: { name: string; everyMs: number; run: () => Promise<unknown> }[],
    private readonly log?: (msg: string, extra?: Record<string, unknown>) => void,
  ) {}

  start(tickMs = 60_000): void {
    const tick = async () => {
      for (const job of this.jobs) {
        try {
          await job.run()
        } catch (e) {
          this.log?.('scheduled job failed', { job: job.name, err: String(e) })
        }
      }
    }
    void tick()
    this.timer = setInterval(() => void tick(), Math.min(tickMs, ...this.jobs.map((j) => j.everyMs)))
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
  }
}
