/**
 * Reads an XML-RPC <methodCall> (or <methodResponse>) into values, checking the element
 * grammar as it goes. Built on the event reader, so no document tree is kept: memory is
 * the values themselves.
 */
import { HostlinkError } from '../../core/errors.js';
import { JsonFloat } from '../../core/json-float.js';
import { parseDateTime } from './date-time.js';
import { newStruct, setMember, type XmlRpcValue } from './values.js';
import { XmlError } from './xml-error.js';
import { decodeXmlBytes } from './xml-charset.js';
import { readXml, type XmlHandler } from './xml-reader.js';

export interface XmlRpcCall {
  readonly methodName: string;
  readonly params: XmlRpcValue[];
}

export type XmlRpcResponse = { readonly kind: 'result'; readonly value: XmlRpcValue } | { readonly kind: 'fault'; readonly faultCode: number; readonly faultString: string };

/** How deep elements may nest: about 60 levels of arrays/structs. */
export const MAX_XML_DEPTH = 256;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER = /^\s*[+-]?\d+\s*$/;
const DOUBLE = /^\s*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)\s*$/i;

const SCALARS = new Set(['int', 'i1', 'i2', 'i4', 'i8', 'biginteger', 'boolean', 'string', 'double', 'float', 'dateTime.iso8601', 'base64', 'nil']);

/** Which parents each element may have ("" is the document itself). */
const PARENTS: Readonly<Record<string, readonly string[]>> = {
  methodCall: [''],
  methodResponse: [''],
  methodName: ['methodCall'],
  params: ['methodCall', 'methodResponse'],
  param: ['params'],
  fault: ['methodResponse'],
  value: ['param', 'data', 'member', 'fault'],
  array: ['value'],
  data: ['array'],
  struct: ['value'],
  member: ['struct'],
  name: ['member'],
};

/** Elements whose text content is meaningful. */
const TEXT_ELEMENTS = new Set([...SCALARS, 'value', 'name', 'methodName']);

interface Frame {
  readonly tag: string;
  text: string;
  /** Child values (value, param, data, array) or [name, value] pairs (struct). */
  readonly items: unknown[];
  /** member: the <name> read so far. */
  memberName?: string;
  /** value: a typed child element was seen. */
  typed?: boolean;
}

function typeError(message: string, excType = 'TypeError'): HostlinkError {
  return new HostlinkError('ProtocolError', message, { data: { excType } });
}

/** Strips a namespace prefix, as Python's unmarshaller does (ex:nil, ex:i8). */
function localName(tag: string): string {
  const colon = tag.lastIndexOf(':');
  return colon < 0 ? tag : tag.slice(colon + 1);
}

function parseInteger(text: string, tag: string): number | bigint {
  if (!INTEGER.test(text)) throw typeError(`invalid literal for int() with base 10: '${text.trim()}'`, 'ValueError');
  const trimmed = text.trim();
  const asNumber = Number(trimmed);
  if (Number.isSafeInteger(asNumber)) return asNumber;
  const big = BigInt(trimmed);
  if (big < INT64_MIN || big > INT64_MAX) throw typeError(`<${tag}> value ${trimmed} is beyond 64 bits`, 'OverflowError');
  return big;
}

function parseDouble(text: string): number | JsonFloat {
  if (!DOUBLE.test(text)) throw typeError(`could not convert string to float: '${text.trim()}'`, 'ValueError');
  const trimmed = text.trim().toLowerCase();
  const sign = trimmed.startsWith('-') ? -1 : 1;
  const unsigned = trimmed.replace(/^[+-]/, '');
  const value = unsigned.startsWith('inf') ? sign * Infinity : unsigned === 'nan' ? NaN : Number(trimmed);
  // A whole-number double stays a float: Python services must see 2.0, not 2.
  return Number.isInteger(value) ? new JsonFloat(value) : value;
}

function scalar(tag: string, text: string): XmlRpcValue {
  switch (tag) {
    case 'int':
    case 'i1':
    case 'i2':
    case 'i4':
    case 'i8':
    case 'biginteger':
      return parseInteger(text, tag);
    case 'boolean':
      if (text === '0') return false;
      if (text === '1') return true;
      throw typeError('bad boolean value');
    case 'string':
      return text;
    case 'double':
    case 'float':
      return parseDouble(text);
    case 'dateTime.iso8601': {
      const date = parseDateTime(text);
      if (!date) throw typeError(`invalid dateTime.iso8601 value '${text.trim()}'`, 'ValueError');
      return date;
    }
    case 'base64':
      return Buffer.from(text, 'base64');
    default: // nil
      return null;
  }
}

class Unmarshaller implements XmlHandler {
  private readonly stack: Frame[] = [];
  root: 'methodCall' | 'methodResponse' | undefined;
  methodName: string | undefined;
  params: XmlRpcValue[] | undefined;
  fault: XmlRpcValue | undefined;

  start(rawName: string): void {
    const tag = localName(rawName);
    const parent = this.stack[this.stack.length - 1];
    const parentTag = parent?.tag ?? '';
    const allowed = SCALARS.has(tag) ? ['value'] : PARENTS[tag];
    if (!allowed) throw typeError(`unknown XML-RPC element <${rawName}>`);
    if (!allowed.includes(parentTag)) throw typeError(`<${rawName}> is not allowed ${parentTag ? `inside <${parentTag}>` : 'as the document element'}`);
    if (parent && parentTag === 'value') {
      if (parent.typed) throw typeError('a <value> holds one value');
      parent.typed = true;
    }
    if (tag === 'methodCall' || tag === 'methodResponse') this.root = tag;
    this.stack.push({ tag, text: '', items: [] });
  }

  text(data: string): void {
    const frame = this.stack[this.stack.length - 1]!;
    if (TEXT_ELEMENTS.has(frame.tag)) frame.text += data;
    else if (!/^[ \t\n]*$/.test(data)) throw typeError(`text is not allowed inside <${frame.tag}>`);
  }

  end(): void {
    const frame = this.stack.pop()!;
    const parent = this.stack[this.stack.length - 1];
    const { tag } = frame;
    if (SCALARS.has(tag)) {
      parent!.items.push(scalar(tag, frame.text));
      return;
    }
    switch (tag) {
      case 'value': {
        let value: XmlRpcValue;
        if (frame.typed) {
          if (!/^[ \t\n]*$/.test(frame.text)) throw typeError('a <value> holds one value');
          value = frame.items[0] as XmlRpcValue;
        } else {
          value = frame.text; // untyped: a string, whitespace kept
        }
        parent!.items.push(value);
        return;
      }
      case 'data':
        parent!.items.push(frame.items);
        return;
      case 'array':
        if (frame.items.length !== 1) throw typeError('<array> needs one <data>');
        parent!.items.push(frame.items[0]);
        return;
      case 'name':
        if (parent!.memberName !== undefined) throw typeError('a <member> has one <name>');
        parent!.memberName = frame.text;
        return;
      case 'member':
        if (frame.memberName === undefined || frame.items.length !== 1) throw typeError('a <member> needs a <name> and a <value>');
        parent!.items.push([frame.memberName, frame.items[0]]);
        return;
      case 'struct': {
        const struct = newStruct();
        for (const [name, value] of frame.items as [string, XmlRpcValue][]) setMember(struct, name, value);
        parent!.items.push(struct);
        return;
      }
      case 'param':
        if (frame.items.length !== 1) throw typeError('a <param> holds one <value>');
        parent!.items.push(frame.items[0]);
        return;
      case 'params':
        if (this.params !== undefined) throw typeError('more than one <params>');
        this.params = frame.items as XmlRpcValue[];
        return;
      case 'fault':
        if (frame.items.length !== 1) throw typeError('a <fault> holds one <value>');
        this.fault = frame.items[0] as XmlRpcValue;
        return;
      case 'methodName':
        if (this.methodName !== undefined) throw typeError('more than one <methodName>');
        this.methodName = frame.text;
        return;
      default: // methodCall, methodResponse
        return;
    }
  }
}

function read(body: Uint8Array): Unmarshaller {
  const unmarshaller = new Unmarshaller();
  try {
    readXml(decodeXmlBytes(body), unmarshaller, { maxDepth: MAX_XML_DEPTH });
  } catch (error) {
    if (error instanceof XmlError) {
      throw new HostlinkError('ProtocolError', error.message, { data: { excType: 'xml.parsers.expat.ExpatError' } });
    }
    throw error;
  }
  return unmarshaller;
}

/** Decodes a request body. Throws HostlinkError('ProtocolError') with data.excType. */
export function decodeMethodCall(body: Uint8Array): XmlRpcCall {
  const call = read(body);
  if (call.root !== 'methodCall') throw typeError('the document is not a <methodCall>');
  if (call.methodName === undefined) throw typeError('<methodCall> has no <methodName>');
  return { methodName: call.methodName, params: call.params ?? [] };
}

/** Decodes a response body (for clients and tests). */
export function decodeMethodResponse(body: Uint8Array): XmlRpcResponse {
  const response = read(body);
  if (response.root !== 'methodResponse') throw typeError('the document is not a <methodResponse>');
  if (response.fault !== undefined) {
    const fault = response.fault as Record<string, unknown>;
    const { faultCode, faultString } = fault;
    if (typeof faultCode !== 'number' || typeof faultString !== 'string') throw typeError('malformed <fault>');
    return { kind: 'fault', faultCode, faultString };
  }
  const params = response.params ?? [];
  if (params.length !== 1) throw typeError('a <methodResponse> holds one <param>');
  return { kind: 'result', value: params[0]! };
}
