import type { StixObject } from '../../stix/stix.types.ts';
import { convertLeaf, type LeafCondition, type LeafTarget } from './ioc-leaf.mapper.ts';
import { combine, type PatternNode } from './ioc-pattern.builder.ts';
import { fileObject } from './misp-attribute.mapper.ts';
import { child, children, childText, descendants, xsiType, type XmlElement } from './xml-document.reader.ts';

/** What one CybOX object's properties became. */
export interface CyboxConversion {
  /** The object's tests ANDed, or undefined when any of them cannot be expressed. */
  readonly node: PatternNode | undefined;
  readonly observables: StixObject[];
  /** Element names (or object types) that have no STIX 2.1 form here. */
  readonly unsupported: string[];
  /** Values that are malformed for what they claim to be. */
  readonly errors: string[];
}

const CONDITIONS: Readonly<Record<string, LeafCondition>> = {
  Equals: 'equals',
  DoesNotEqual: 'not-equals',
  Contains: 'contains',
  DoesNotContain: 'not-contains',
  StartsWith: 'starts-with',
  EndsWith: 'ends-with',
  FitsPattern: 'matches',
  GreaterThan: 'greater-than',
  LessThan: 'less-than',
};

const HASHES: Readonly<Record<string, LeafTarget>> = { MD5: 'md5', SHA1: 'sha1', 'SHA-1': 'sha1', SHA256: 'sha256', 'SHA-256': 'sha256', SHA512: 'sha512', 'SHA-512': 'sha512', SSDEEP: 'ssdeep' };
const FILE_TYPES = new Set(['FileObjectType', 'WindowsFileObjectType', 'WindowsExecutableFileObjectType']);
// Structure elements that only hold the properties read below.
const CONTAINERS = new Set(['Hashes', 'Header', 'Values', 'Value', 'Destination_Socket_Address', 'IP_Address', 'Port', 'Hostname', 'Attachments', 'Recipient']);

interface Ctx {
  readonly out: CyboxConversion;
  readonly parts: (PatternNode | undefined)[];
  readonly resolve: (id: string) => XmlElement | undefined;
}

/** One property value: its condition and the ANY/ALL list CybOX writes with "##comma##". */
function leaf(ctx: Ctx, el: XmlElement | undefined, target: LeafTarget, label: string, prefix = ''): void {
  if (!el?.text) return;
  const condition = CONDITIONS[el.attrs.condition ?? 'Equals'];
  if (!condition) {
    ctx.out.unsupported.push(`${label} condition ${el.attrs.condition}`);
    ctx.parts.push(undefined);
    return;
  }
  const values = el.text.split('##comma##').map((v) => `${prefix}${v.trim()}`).filter((v) => v !== prefix);
  const apply = el.attrs.apply_condition ?? 'ANY';
  if (values.length > 1 && apply !== 'ANY' && apply !== 'ALL') {
    ctx.out.unsupported.push(`${label} apply_condition ${apply}`);
    ctx.parts.push(undefined);
    return;
  }
  const nodes: (PatternNode | undefined)[] = [];
  for (const v of values.slice(0, 10_000)) {
    try {
      const r = convertLeaf(target, condition, false, v);
      nodes.push(r.node);
      if (r.observable) ctx.out.observables.push(r.observable);
    } catch (e) {
      ctx.out.errors.push(`${label} "${v.slice(0, 80)}": ${e instanceof Error ? e.message : String(e)}`);
      nodes.push(undefined);
    }
  }
  ctx.parts.push(combine(values.length > 1 && apply === 'ALL' ? 'and' : 'or', nodes));
}

function unsupportedChildren(ctx: Ctx, props: XmlElement, known: readonly string[]): void {
  for (const c of props.children) {
    if (known.includes(c.name) || CONTAINERS.has(c.name)) continue;
    ctx.out.unsupported.push(c.name);
    ctx.parts.push(undefined);
  }
}

// A File_Extension that equals a value is a name ending in it; other extension tests have no STIX path.
function extension(ctx: Ctx, el: XmlElement | undefined, target: LeafTarget): void {
  if (!el?.text) return;
  if ((el.attrs.condition ?? 'Equals') !== 'Equals' || el.text.includes('##comma##')) {
    ctx.out.unsupported.push(`File_Extension condition ${el.attrs.condition}`);
    ctx.parts.push(undefined);
    return;
  }
  const r = convertLeaf(target, 'ends-with', false, `.${el.text.replace(/^\./, '')}`);
  ctx.parts.push(r.node);
}

function file(ctx: Ctx, props: XmlElement): void {
  leaf(ctx, child(props, 'File_Name'), 'file-name', 'File_Name');
  extension(ctx, child(props, 'File_Extension'), 'file-name');
  leaf(ctx, child(props, 'Size_In_Bytes'), 'file-size', 'Size_In_Bytes');
  for (const h of children(child(props, 'Hashes'), 'Hash')) {
    const type = childText(h, 'Type')?.toUpperCase() ?? '';
    const value = child(h, 'Simple_Hash_Value') ?? child(h, 'Fuzzy_Hash_Value');
    const target = HASHES[type];
    if (target) leaf(ctx, value, target, `Hash ${type}`);
    else {
      ctx.out.unsupported.push(`Hash ${type || '(no type)'}`);
      ctx.parts.push(undefined);
    }
  }
  unsupportedChildren(ctx, props, ['File_Name', 'File_Extension', 'Size_In_Bytes', 'Hashes']);
  // Name and hashes of one CybOX File are one file: merge the pieces made above.
  const files = ctx.out.observables.filter((o) => o.type === 'file');
  if (files.length > 1) {
    const name = files.find((f) => typeof f.name === 'string')?.name as string | undefined;
    const hashes = Object.assign({}, ...files.map((f) => (f.hashes ?? {}) as Record<string, string>)) as Record<string, string>;
    ctx.out.observables.splice(0, ctx.out.observables.length, ...ctx.out.observables.filter((o) => o.type !== 'file'), fileObject({ name, hashes }));
  }
}

function email(ctx: Ctx, props: XmlElement): void {
  const header = child(props, 'Header');
  leaf(ctx, child(child(header, 'From'), 'Address_Value'), 'email-from', 'From');
  leaf(ctx, child(child(header, 'Sender'), 'Address_Value'), 'email-from', 'Sender');
  for (const r of children(child(header, 'To'), 'Recipient')) leaf(ctx, child(r, 'Address_Value'), 'email-to', 'To');
  for (const r of children(child(header, 'CC'), 'Recipient')) leaf(ctx, child(r, 'Address_Value'), 'email-cc', 'CC');
  leaf(ctx, child(header, 'Subject'), 'email-subject', 'Subject');
  leaf(ctx, child(child(header, 'X_Originating_IP'), 'Address_Value'), 'ip', 'X_Originating_IP');
  if (header) unsupportedChildren(ctx, header, ['From', 'Sender', 'To', 'CC', 'Subject', 'X_Originating_IP']);
  for (const f of children(child(props, 'Attachments'), 'File')) {
    const ref = f.attrs.object_reference;
    const target = ref ? ctx.resolve(ref) : undefined;
    const targetProps = child(target, 'Properties');
    if (!targetProps) {
      ctx.out.unsupported.push('Attachments/File (unresolved object_reference)');
      ctx.parts.push(undefined);
      continue;
    }
    leaf(ctx, child(targetProps, 'File_Name'), 'attachment-name', 'Attachment File_Name');
    extension(ctx, child(targetProps, 'File_Extension'), 'attachment-name');
    unsupportedChildren(ctx, targetProps, ['File_Name', 'File_Extension']);
  }
  unsupportedChildren(ctx, props, ['Header', 'Attachments']);
}

function network(ctx: Ctx, props: XmlElement): void {
  const dst = child(props, 'Destination_Socket_Address');
  leaf(ctx, child(child(dst, 'IP_Address'), 'Address_Value'), 'dst-ip', 'Destination IP_Address');
  leaf(ctx, child(child(dst, 'Hostname'), 'Hostname_Value'), 'dst-host', 'Destination Hostname');
  leaf(ctx, child(child(dst, 'Port'), 'Port_Value'), 'dst-port', 'Destination Port');
  // The source of a connection is usually the victim: not an indicator.
  unsupportedChildren(ctx, props, ['Destination_Socket_Address', 'Source_Socket_Address', 'Layer3_Protocol', 'Layer4_Protocol', 'Layer7_Protocol']);
}

function registry(ctx: Ctx, props: XmlElement): void {
  const key = child(props, 'Key');
  const hive = childText(props, 'Hive');
  if (key) leaf(ctx, key, 'regkey', 'Key', hive && !key.text.toUpperCase().startsWith('HK') ? `${hive}\\` : '');
  for (const v of descendants(props, 'Value')) {
    leaf(ctx, child(v, 'Name'), 'reg-name', 'Value Name');
    leaf(ctx, child(v, 'Data'), 'reg-data', 'Value Data');
  }
  unsupportedChildren(ctx, props, ['Key', 'Hive', 'Values']);
}

/**
 * Converts a CybOX object's Properties (Address, DomainName, Hostname, URI, Link, File, EmailMessage,
 * NetworkConnection, SocketAddress, WindowsRegistryKey, Mutex) into STIX comparisons and observables.
 * @example convertCybox(propertiesElement, resolveById).node
 */
export function convertCybox(props: XmlElement, resolve: (id: string) => XmlElement | undefined): CyboxConversion {
  const out: CyboxConversion = { node: undefined, observables: [], unsupported: [], errors: [] };
  const ctx: Ctx = { out, parts: [], resolve };
  const type = xsiType(props) ?? '(no xsi:type)';
  if (type === 'AddressObjectType') {
    const category = props.attrs.category ?? 'ipv4-addr';
    const target: LeafTarget | undefined = category === 'e-mail' ? 'email-addr' : ['ipv4-addr', 'ipv6-addr', 'cidr', 'ipv4-net', 'ipv6-net'].includes(category) ? 'ip' : undefined;
    if (target) leaf(ctx, child(props, 'Address_Value'), target, `Address ${category}`);
    else {
      out.unsupported.push(`Address category ${category}`);
      ctx.parts.push(undefined);
    }
  } else if (type === 'DomainNameObjectType') leaf(ctx, child(props, 'Value'), 'domain', 'DomainName');
  else if (type === 'HostnameObjectType') leaf(ctx, child(props, 'Hostname_Value'), 'domain', 'Hostname');
  else if (type === 'URIObjectType' || type === 'LinkObjectType') {
    const kind = props.attrs.type ?? 'URL';
    if (kind === 'URL') leaf(ctx, child(props, 'Value'), 'url', 'URI');
    else if (kind === 'Domain Name') leaf(ctx, child(props, 'Value'), 'domain', 'URI');
    else {
      out.unsupported.push(`URI type ${kind}`);
      ctx.parts.push(undefined);
    }
  } else if (FILE_TYPES.has(type)) file(ctx, props);
  else if (type === 'EmailMessageObjectType') email(ctx, props);
  else if (type === 'NetworkConnectionObjectType') network(ctx, props);
  else if (type === 'SocketAddressObjectType') {
    leaf(ctx, child(child(props, 'IP_Address'), 'Address_Value'), 'ip', 'IP_Address');
    leaf(ctx, child(child(props, 'Hostname'), 'Hostname_Value'), 'domain', 'Hostname');
    unsupportedChildren(ctx, props, ['IP_Address', 'Hostname']);
  } else if (type === 'WindowsRegistryKeyObjectType') registry(ctx, props);
  else if (type === 'MutexObjectType' || type === 'WindowsMutexObjectType') leaf(ctx, child(props, 'Name'), 'mutex', 'Mutex');
  else {
    out.unsupported.push(type);
    ctx.parts.push(undefined);
  }
  return { ...out, node: ctx.parts.length > 0 ? combine('and', ctx.parts) : undefined };
}
