/** Reads server-sent events from a fetch response body. */
export class EventReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = '';

  constructor(res: Response) {
    if (!res.body) throw new Error('no event stream');
    this.#reader = res.body.getReader();
  }

  /** The next event of a type (optionally one whose JSON data matches `want`). */
  async next(
    type: string,
    want: (data: Record<string, unknown>) => boolean = () => true,
  ): Promise<Record<string, unknown>> {
    for (;;) {
      let end = this.#buffer.indexOf('\n\n');
      while (end !== -1) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (event === type && data) {
          const parsed = JSON.parse(data) as Record<string, unknown>;
          if (want(parsed)) return parsed;
        }
        end = this.#buffer.indexOf('\n\n');
      }
      const { value, done } = await this.#reader.read();
      if (done) throw new Error(`the stream ended before a ${type} event`);
      this.#buffer += this.#decoder.decode(value, { stream: true });
    }
  }

  async close(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}
