/**
 * Splits a byte stream into "\n"-terminated lines in linear time: each byte is scanned
 * once and a line is joined once, however many chunks it arrived in (a 48 MiB
 * guest-file-read reply is about 64 MiB in 1000 socket chunks).
 */
export class LineBuffer {
  private partial: Buffer[] = [];
  private readonly lines: Buffer[] = [];
  private head = 0;

  /** Adds a chunk; complete lines become available to shift(). */
  push(chunk: Buffer): void {
    let from = 0;
    for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, from)) {
      const piece = chunk.subarray(from, newline);
      this.lines.push(this.partial.length === 0 ? piece : Buffer.concat([...this.partial, piece]));
      this.partial = [];
      from = newline + 1;
    }
    if (from < chunk.length) this.partial.push(chunk.subarray(from));
  }

  /** Complete lines waiting. */
  get count(): number {
    return this.lines.length - this.head;
  }

  /** Bytes received after the last complete line. */
  get partialBytes(): number {
    return this.partial.reduce((sum, piece) => sum + piece.length, 0);
  }

  /** The oldest complete line without its "\n", or undefined. */
  shift(): Buffer | undefined {
    if (this.head >= this.lines.length) return undefined;
    const line = this.lines[this.head++];
    if (this.head > 1024 && this.head * 2 > this.lines.length) {
      this.lines.splice(0, this.head);
      this.head = 0;
    }
    return line;
  }
}
