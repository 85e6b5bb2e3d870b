/**
 * Line and column (1-based, columns in bytes) of a byte offset in a file, for naming where a byte is.
 * @example lineColumnOfByte(Buffer.from('a\nb\u0000'), 3) // { line: 2, column: 2 }
 */
export function lineColumnOfByte(buf: Buffer, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = buf.indexOf(10); i !== -1 && i < offset; i = buf.indexOf(10, i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}
