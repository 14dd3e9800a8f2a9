import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

const CHILD = new URL('./crash-child.ts', import.meta.url).pathname;

export interface ChildOptions {
  storage: { part: string; databaseUrl?: string | undefined; dataDir?: string | undefined };
  port: number;
  smtpUrl: string;
  issuer?: string;
  publicUrl?: string;
}

/** The DIPS service in a child process that tests start, kill (SIGKILL) and start again. */
export class DipsProcess {
  #child: ChildProcess | undefined;

  async start(o: ChildOptions): Promise<string> {
    const c = spawn(process.execPath, [CHILD, JSON.stringify(o)], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.#child = c;
    let out = '';
    c.stdout!.setEncoding('utf8');
    for await (const chunk of c.stdout!) {
      out += chunk;
      const m = /ready (\S+)/.exec(out);
      if (m) return m[1]!;
    }
    throw new Error('the service did not start');
  }

  async kill(): Promise<void> {
    const c = this.#child;
    this.#child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGKILL');
    await once(c, 'exit');
  }
}
