/**
 * A background task that runs every `intervalMs` while `active()` says there is work, never overlapping
 * itself. Its timer is `unref()`ed — background upkeep never keeps a process alive — and is not even
 * scheduled while idle, so an idle store holds no timer at all.
 */
export class Ticker {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
    private readonly active: () => boolean,
  ) {}

  /** Schedule the next run if there is work and none is scheduled. Cheap: call it whenever work appears. */
  ensure(): void {
    if (this.timer !== undefined || this.running || this.stopped || !this.active()) return;
    this.timer = setTimeout(this.tick, this.intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Whether a run is scheduled or in progress (for leak tests). */
  get pending(): boolean {
    return this.timer !== undefined || this.running;
  }

  private readonly tick = async (): Promise<void> => {
    this.timer = undefined;
    this.running = true;
    try {
      await this.task();
    } catch {
      // The task reports its own failures; a failed run must not stop the next one.
    } finally {
      this.running = false;
      this.ensure();
    }
  };
}
