// Bounds concurrent channels on one SSH connection (sshd's MaxSessions defaults to 10).
export class Semaphore {
  private waiting: (() => void)[] = [];
  private inUse = 0;

  constructor(private readonly limit: number) {}

  async acquire(): Promise<() => void> {
    if (this.inUse >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inUse++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse--;
      this.waiting.shift()?.();
    };
  }
}
