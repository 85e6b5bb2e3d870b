/**
 * Runs `take(from, to)` over [0, count) in pieces of `piece`, with `pause()` between them: a long piece of work on the
 * importer's thread gives way (an I/O turn) so that the database's answers are taken up within a piece's time (issue 17).
 * @example await inPieces(items.length, 500, afterIo, (from, to) => { for (let i = from; i < to; i++) work(items[i]) })
 */
export async function inPieces(count: number, piece: number, pause: () => Promise<void>, take: (from: number, to: number) => void): Promise<void> {
  for (let i = 0; i < count; i += piece) {
    if (i > 0) await pause();
    take(i, Math.min(count, i + piece));
  }
}

/**
 * items.map(fn) in pieces (inPieces).
 * @example const rows = await mapInPieces(lines, lineCopyRow, afterIo)
 */
export async function mapInPieces<T, U>(items: readonly T[], fn: (item: T) => U, pause: () => Promise<void>, piece = 500): Promise<U[]> {
  const out = new Array<U>(items.length);
  await inPieces(items.length, piece, pause, (from, to) => {
    for (let i = from; i < to; i++) out[i] = fn(items[i]!);
  });
  return out;
}
