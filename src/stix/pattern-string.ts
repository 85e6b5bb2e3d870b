/**
 * A string literal for a STIX pattern: backslashes and quotes escaped.
 * @example patternString("it's") // "'it\\'s'"
 */
export function patternString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
