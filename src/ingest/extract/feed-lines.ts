// Line-based feeds (maltrail trails, ipsum, Tor lists, abuse.ch text lists, Spamhaus DROP) hold one
// value per line, with '#' or ';' comment lines and trailing comments ("5.63.151.0/24 # scanners.
// labs.rapid7.com"). What a comment names (reference URLs, copyright owners, the host names of the
// scanners listed) is never an indicator. A report in prose is not a feed: its lines are sentences.

const COMMENT_LINE = /^\s*(?:#|;|\/\/)/;
// A comment after a value starts with whitespace, then '#' or ';'. A '#' inside a value (a URL's
// fragment, "https://a.example/#/login") has no whitespace before it and stays part of the value.
const TRAILING_COMMENT = /\s+[#;].*$/;
// One value, optionally followed by counts or scores (ipsum: "198.51.100.7\t5").
const VALUE_LINE = /^\S+(?:\s+[\d.]+)*$/;
const SAMPLE_LINES = 5000;

/** Whether a line is a comment of a line-based feed. */
export function isCommentLine(line: string): boolean {
  return COMMENT_LINE.test(line);
}

/**
 * True when the text is a line-based feed: its data lines (not blank, not comments) hold one value
 * each, optionally followed by a number or a comment, for at least nine lines in ten.
 * @example isLineFeed('# Reference: https://blog.example/x\n198.51.100.7\nevil.example # C2\n') // true
 */
export function isLineFeed(text: string): boolean {
  let data = 0;
  let single = 0;
  let start = 0;
  for (let n = 0; n < SAMPLE_LINES && start < text.length; n++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (line.trim() === '' || isCommentLine(line)) continue;
    data++;
    if (VALUE_LINE.test(line.replace(TRAILING_COMMENT, '').trim())) single++;
  }
  return data > 0 && single >= data * 0.9;
}

/**
 * The text with comment lines and trailing comments replaced by spaces: the same length and the
 * same lines, so offsets and line numbers found in it are those of the original.
 * @example blankComments('# see https://ref.example\n198.51.100.7 # scanner.example\n') // '                         \n198.51.100.7                   \n'
 */
export function blankComments(text: string): string {
  return text.replace(/[^\n]*/g, (line) => {
    if (isCommentLine(line)) return ' '.repeat(line.length);
    const m = TRAILING_COMMENT.exec(line);
    return m ? line.slice(0, m.index) + ' '.repeat(line.length - m.index) : line;
  });
}
