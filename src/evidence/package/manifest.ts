/** The format name written into every referral package's manifest. */
export const PACKAGE_FORMAT = 'kessetsu-referral-package/1';
/** Names of the package's own files (everything else is listed in the manifest). */
export const MANIFEST_NAME = 'manifest.json';
export const SIGNATURE_NAME = 'manifest.sig';
export const SIGNER_NAME = 'signer.pem';

/** One file of a package as the manifest lists it. */
export interface ManifestFile {
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  readonly media_type: string;
  /** The evidence item it was copied from, when it is one. */
  readonly evidence_id?: string;
}

/** The signed manifest of a referral package. */
export interface Manifest {
  readonly format: typeof PACKAGE_FORMAT;
  readonly package_id: string;
  readonly case: { readonly id: string; readonly number: string; readonly title: string };
  readonly created_at: string;
  readonly signer: { readonly algorithm: 'Ed25519'; readonly fingerprint: string };
  readonly files: readonly ManifestFile[];
}

const SAFE_PATH = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/**
 * Whether a path may appear in a package: relative, no `..`, plain characters, at most 200 long.
 * @example isSafePackagePath('evidence/ab12-mail.eml') // true
 */
export function isSafePackagePath(p: string): boolean {
  return p.length <= 200 && SAFE_PATH.test(p) && !p.split('/').some((s) => s === '.' || s === '..');
}

/**
 * A file name reduced to what a package path may hold (the original name stays in the manifest's evidence list).
 * @example safeFileName('Invoice (1).pdf') // 'Invoice_1_.pdf'
 */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._-]+/, '').slice(0, 80);
  return cleaned || 'file';
}

/** The exact bytes of a manifest as written and signed (pretty JSON, one trailing newline). */
export function manifestBytes(m: Manifest): Buffer {
  return Buffer.from(`${JSON.stringify(m, null, 2)}\n`, 'utf8');
}

/** Checks the shape of a parsed manifest; answers the problems found (empty when usable). */
export function manifestProblems(m: unknown): string[] {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return ['manifest.json is not a JSON object'];
  const o = m as Record<string, unknown>;
  const out: string[] = [];
  if (o.format !== PACKAGE_FORMAT) out.push(`manifest.json: format is not ${PACKAGE_FORMAT}`);
  if (!Array.isArray(o.files)) return [...out, 'manifest.json: files is not a list'];
  (o.files as unknown[]).forEach((f, i) => {
    const x = f as Record<string, unknown> | null;
    if (typeof x !== 'object' || x === null) return void out.push(`manifest.json: files[${i}] is not an object`);
    if (typeof x.path !== 'string' || !isSafePackagePath(x.path)) out.push(`manifest.json: files[${i}].path is not a safe relative path`);
    if (typeof x.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(x.sha256)) out.push(`manifest.json: files[${i}].sha256 is not a SHA-256`);
    if (!Number.isSafeInteger(x.size) || (x.size as number) < 0) out.push(`manifest.json: files[${i}].size is not a size`);
  });
  return out;
}
