/**
 * Owners of the kernel's sleeping mutexes (struct mutex: kfunc_md_mutex, text_mutex, ...), by name.
 * Non-recursive, like struct mutex: taking a mutex you hold blocks forever.
 */
export class MutexTable {
  private readonly owners = new Map<string, number>();

  owner(name: string): number | undefined {
    return this.owners.get(name);
  }

  tryTake(name: string, cpu: number): boolean {
    if (this.owners.has(name)) return false;
    this.owners.set(name, cpu);
    return true;
  }

  /** Releases the mutex; false if `cpu` was not its owner (it is released anyway). */
  release(name: string, cpu: number): boolean {
    const was = this.owners.get(name);
    this.owners.delete(name);
    return was === cpu;
  }

  heldBy(cpu: number): string[] {
    return [...this.owners].filter(([, c]) => c === cpu).map(([n]) => n);
  }
}

/** text_mutex (include/linux/memory.h): the kernel-wide mutex serialising text patching. */
export const TEXT_MUTEX = 'text_mutex';
