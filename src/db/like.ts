/**
 * A text for SQL LIKE that matches itself only: backslash, % and _ escaped (PostgreSQL's default escape character).
 * @example sql`where name like ${`%${escapeLike(text)}%`}`
 */
export function escapeLike(s: string): string {
  return s.replaceAll('\\', '\\\\').replaceAll('%', '\\%').replaceAll('_', '\\_');
}
